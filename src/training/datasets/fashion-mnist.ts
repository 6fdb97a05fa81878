import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { candidateDirs, dataRoot } from './data-dir.js';
import { downloadVerified } from './download.js';
import { DatasetError } from './errors.js';
import { readMaybeGzipped } from './gzip.js';
import { parseIdx } from './idx.js';
import { assertLabelsInRange } from './labels.js';
import { combineProgress } from './progress.js';
import type { FileLoaderOptions, RawDataset } from './raw-dataset.js';
import type { Split } from './types.js';

/** Where Debian's dataset-fashion-mnist package installs the files. */
export const FASHION_MNIST_DEBIAN_DIR = '/usr/share/datasets/fashion-mnist';
export const FASHION_MNIST_BASE_URL = 'https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/';
/** MD5s of the upstream files (Debian recompresses them, so its copies differ and are not checked). */
export const FASHION_MNIST_MD5: Record<string, string> = {
  'train-images-idx3-ubyte.gz': '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
  'train-labels-idx1-ubyte.gz': '25c81989df183df01b3e8a0aad5dffbe',
  't10k-images-idx3-ubyte.gz': 'bef4ecab320f06d8554ea6380940ec79',
  't10k-labels-idx1-ubyte.gz': 'bb300cfdad3c16e7a12a480ee83cd310',
};
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
];
/** Sizes of the upstream files in bytes: a download stops there. */
export const FASHION_MNIST_BYTES: Record<string, number> = {
  'train-images-idx3-ubyte.gz': 26_421_880,
  'train-labels-idx1-ubyte.gz': 29_515,
  't10k-images-idx3-ubyte.gz': 4_422_102,
  't10k-labels-idx1-ubyte.gz': 5_148,
};
const FILES = Object.keys(FASHION_MNIST_MD5);

/**
 * Fashion-MNIST from IDX files (gzipped, or already gunzipped without the .gz): looked up under
 * the data root (`<root>/fashion-mnist/`, then the root itself), then Debian's folder, else
 * downloaded and verified into `<root>/fashion-mnist/`.
 */
export async function loadFashionMnist(options: FileLoaderOptions): Promise<RawDataset> {
  const dir = await locateOrDownload(options);
  const layout = { height: 28, width: 28, classes: FASHION_MNIST_CLASSES.length };
  const train = await readIdxSplit(dir, 'train', layout);
  const test = await readIdxSplit(dir, 't10k', layout);
  return { name: 'fashion-mnist', classNames: [...FASHION_MNIST_CLASSES], shape: [28, 28, 1], train, test };
}

async function locateOrDownload(options: FileLoaderOptions): Promise<string> {
  const dirs = candidateDirs(dataRoot(options.dataDir), 'fashion-mnist');
  const complete = [...dirs, FASHION_MNIST_DEBIAN_DIR].find((dir) => FILES.every((f) => findFile(dir, f) !== null));
  if (complete) return complete;
  const cacheDir = dirs[0]!;
  const baseUrl = options.baseUrl ?? FASHION_MNIST_BASE_URL;
  for (const file of FILES) {
    if (findFile(cacheDir, file) !== null) continue;
    const url = new URL(file, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`).toString();
    options.log?.(`fashion-mnist: downloading ${url} into ${cacheDir}`);
    await downloadVerified({
      url,
      destination: join(cacheDir, file),
      expectedMd5: options.checksums?.[file] ?? FASHION_MNIST_MD5[file]!,
      maxBytes: options.sizes?.[file] ?? FASHION_MNIST_BYTES[file]!,
      ...combineProgress(options.onProgress),
    });
  }
  return cacheDir;
}

/** The gzipped file, else its gunzipped twin, else null. */
function findFile(dir: string, gzName: string): string | null {
  for (const candidate of [join(dir, gzName), join(dir, gzName.replace(/\.gz$/, ''))]) {
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

/** Reads `<prefix>-images-idx3-ubyte` + `<prefix>-labels-idx1-ubyte` as one split. */
export async function readIdxSplit(
  dir: string,
  prefix: string,
  layout: { height: number; width: number; classes: number },
): Promise<Split> {
  const imagesFile = findFile(dir, `${prefix}-images-idx3-ubyte.gz`);
  const labelsFile = findFile(dir, `${prefix}-labels-idx1-ubyte.gz`);
  if (!imagesFile || !labelsFile) {
    throw new DatasetError(`${dir} lacks ${prefix}-images-idx3-ubyte(.gz) or ${prefix}-labels-idx1-ubyte(.gz)`, dir);
  }
  const images = parseIdx(await readMaybeGzipped(imagesFile), imagesFile, 3);
  const labels = parseIdx(await readMaybeGzipped(labelsFile), labelsFile, 1);
  const [count, height, width] = images.dims as [number, number, number];
  if (height !== layout.height || width !== layout.width) {
    throw new DatasetError(
      `${imagesFile}: images are ${height}×${width}, expected ${layout.height}×${layout.width}`,
      imagesFile,
    );
  }
  if (labels.dims[0] !== count) {
    throw new DatasetError(
      `${labelsFile} has ${labels.dims[0]} labels but ${imagesFile} has ${count} images; the files do not belong together`,
      labelsFile,
    );
  }
  assertLabelsInRange(labels.data, layout.classes, labelsFile);
  return { images: images.data, labels: labels.data, count };
}
