import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { candidateDirs, dataRoot } from './data-dir.js';
import { downloadVerified } from './download.js';
import { fileMd5 } from './file-md5.js';
import { DatasetError } from './errors.js';
import { combineProgress } from './progress.js';
import type { FileLoaderOptions, RawDataset } from './raw-dataset.js';
import type { Split } from './types.js';
import { extractTarGz } from './tar.js';

export const CIFAR10_ARCHIVE = 'cifar-10-binary.tar.gz';
export const CIFAR10_FOLDER = 'cifar-10-batches-bin';
export const CIFAR10_BASE_URL = 'https://www.cs.toronto.edu/~kriz/';
/** MD5 published on https://www.cs.toronto.edu/~kriz/cifar.html for the binary version. */
export const CIFAR10_MD5 = 'c32a1d4ab5d03f1284b67883e8d87530';
/** Its size in bytes: a download stops there. */
export const CIFAR10_BYTES = 170_052_171;
export const CIFAR10_CLASSES = [
  'airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck',
];
const TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
const TEST_FILE = 'test_batch.bin';
const MEMBERS = [...TRAIN_FILES, TEST_FILE, 'batches.meta.txt'];
const SIDE = 32;
const PIXELS = SIDE * SIDE;
const RECORD_BYTES = 1 + 3 * PIXELS;

/**
 * CIFAR-10, binary version. Looks for the extracted `cifar-10-batches-bin/` folder (or its files)
 * or the tarball under the data root, else downloads and verifies the tarball into
 * `<root>/cifar10/`, extracts it there and removes the downloaded tarball. The tarball's MD5 is
 * checked before every extraction, whether it was downloaded or found in the data dir.
 */
export async function loadCifar10(options: FileLoaderOptions): Promise<RawDataset> {
  const folder = await ensureExtracted(options);
  const train = await readBatches(TRAIN_FILES.map((f) => join(folder, f)));
  const test = await readBatches([join(folder, TEST_FILE)]);
  return { name: 'cifar10', classNames: [...CIFAR10_CLASSES], shape: [SIDE, SIDE, 3], train, test };
}

async function ensureExtracted(options: FileLoaderOptions): Promise<string> {
  const root = dataRoot(options.dataDir);
  const dirs = candidateDirs(root, 'cifar10');
  for (const dir of dirs) {
    for (const folder of [join(dir, CIFAR10_FOLDER), dir]) {
      if (existsSync(join(folder, TEST_FILE)) && TRAIN_FILES.every((f) => existsSync(join(folder, f)))) return folder;
    }
  }
  const cacheDir = dirs[0]!;
  const expectedMd5 = options.checksums?.[CIFAR10_ARCHIVE] ?? CIFAR10_MD5;
  const existingArchive = dirs.map((d) => join(d, CIFAR10_ARCHIVE)).find((p) => existsSync(p));
  if (existingArchive) {
    options.log?.(`cifar10: extracting ${existingArchive}`);
    return extractInto(existingArchive, cacheDir, expectedMd5);
  }
  const archive = join(cacheDir, CIFAR10_ARCHIVE);
  const url = new URL(CIFAR10_ARCHIVE, withSlash(options.baseUrl ?? CIFAR10_BASE_URL)).toString();
  options.log?.(`cifar10: downloading ${url} into ${cacheDir}`);
  await downloadVerified({
    url,
    destination: archive,
    expectedMd5,
    maxBytes: options.sizes?.[CIFAR10_ARCHIVE] ?? CIFAR10_BYTES,
    ...combineProgress(options.onProgress),
  });
  const folder = await extractInto(archive, cacheDir, expectedMd5);
  await rm(archive, { force: true });
  return folder;
}

/**
 * Checks the archive's MD5, extracts it into a temporary folder, then renames that into place, so a half-extracted
 * folder never looks complete and no archive but the published one reaches the tar reader.
 */
async function extractInto(archive: string, cacheDir: string, expectedMd5: string): Promise<string> {
  const actual = await fileMd5(archive);
  if (actual !== expectedMd5.toLowerCase()) {
    throw new DatasetError(
      `${archive}: MD5 ${actual}, expected ${expectedMd5}: not the published ${CIFAR10_ARCHIVE} (tampered, corrupt or another version); ` +
        'delete it and run again to download it',
      archive,
    );
  }
  await mkdir(cacheDir, { recursive: true });
  const finalFolder = join(cacheDir, CIFAR10_FOLDER);
  const temp = await mkdtemp(join(cacheDir, `.${CIFAR10_FOLDER}-`));
  try {
    const written = await extractTarGz(archive, temp, (path) => {
      const [top, name, ...rest] = path.split('/');
      return top === CIFAR10_FOLDER && name && rest.length === 0 && MEMBERS.includes(name) ? name : null;
    });
    const missing = [...TRAIN_FILES, TEST_FILE].filter((f) => !written.includes(f));
    if (missing.length > 0) {
      throw new DatasetError(
        `${archive} lacks ${missing.map((f) => `${CIFAR10_FOLDER}/${f}`).join(', ')}; is it the binary version (${CIFAR10_ARCHIVE})?`,
        archive,
      );
    }
    try {
      await rename(temp, finalFolder);
    } catch (e) {
      // Another process extracted it first: keep theirs.
      if (!existsSync(join(finalFolder, TEST_FILE))) throw e;
    }
    return finalFolder;
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/** Reads whole-record batch files into one NHWC uint8 split. */
async function readBatches(files: string[]): Promise<Split> {
  const counts: number[] = [];
  for (const file of files) {
    const { size } = await stat(file);
    if (size % RECORD_BYTES !== 0) {
      throw new DatasetError(
        `${file}: ${size} bytes is not a whole number of ${RECORD_BYTES}-byte CIFAR-10 records (truncated or not a CIFAR-10 batch)`,
        file,
      );
    }
    counts.push(size / RECORD_BYTES);
  }
  const count = counts.reduce((a, b) => a + b, 0);
  const images = new Uint8Array(count * PIXELS * 3);
  const labels = new Uint8Array(count);
  let n = 0;
  for (const file of files) {
    const bytes = await readFile(file);
    for (let offset = 0; offset < bytes.length; offset += RECORD_BYTES, n++) {
      const label = bytes[offset]!;
      if (label >= CIFAR10_CLASSES.length) {
        throw new DatasetError(
          `${file}: label ${label} of record ${offset / RECORD_BYTES} is out of range (expected 0..9)`,
          file,
        );
      }
      labels[n] = label;
      planarToInterleaved(bytes, offset + 1, images, n * PIXELS * 3);
    }
  }
  return { images, labels, count };
}

/** 1024 R, 1024 G, 1024 B (row-major) → RGBRGB… (NHWC). */
function planarToInterleaved(src: Uint8Array, from: number, dst: Uint8Array, to: number): void {
  for (let p = 0; p < PIXELS; p++) {
    const o = to + p * 3;
    dst[o] = src[from + p]!;
    dst[o + 1] = src[from + PIXELS + p]!;
    dst[o + 2] = src[from + 2 * PIXELS + p]!;
  }
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
