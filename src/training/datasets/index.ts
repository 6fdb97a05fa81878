import type { DatasetConfig } from '../../domain/trial-config.js';
import { channelStats } from './channel-stats.js';
import { loadCifar10 } from './cifar10.js';
import { DatasetError } from './errors.js';
import { loadFashionMnist } from './fashion-mnist.js';
import type { FileLoaderOptions, RawDataset } from './raw-dataset.js';
import { holdOutStratified, stratifiedFirstN } from './split-ops.js';
import { makeSyntheticDataset } from './synthetic.js';
import type { Dataset, LoadDataset, LoadDatasetOptions, Split } from './types.js';

export type { Dataset, LoadDataset, LoadDatasetOptions, Split } from './types.js';
export { DatasetError } from './errors.js';
export { makeSyntheticDataset } from './synthetic.js';
export { loadCifar10, CIFAR10_MD5, CIFAR10_CLASSES } from './cifar10.js';
export { loadFashionMnist, FASHION_MNIST_MD5, FASHION_MNIST_CLASSES } from './fashion-mnist.js';

/**
 * Loads a dataset and applies the config: validation split ('test' or a stratified, seeded
 * holdout fraction of train), stratified first-N subsets, and channel statistics of the final
 * training split. Pixels stay uint8 throughout.
 */
export const loadDataset: LoadDataset = async (config: DatasetConfig, options: LoadDatasetOptions): Promise<Dataset> => {
  const raw = await loadRaw(config, options);
  const [height, width, channels] = raw.shape;
  const pixels = height * width * channels;
  const classes = raw.classNames.length;

  let train: Split;
  let validation: Split;
  if (config.validation === 'test') {
    train = raw.train;
    validation = raw.test;
  } else if (typeof config.validation === 'number') {
    ({ train, validation } = holdOutStratified(raw.train, config.validation, classes, pixels, options.seed));
  } else {
    throw new DatasetError(`dataset.validation must be 'test' or a fraction in (0, 1), got ${JSON.stringify(config.validation)}`);
  }
  const { subset } = config;
  if (subset.train !== null) train = stratifiedFirstN(train, subset.train, classes, pixels, `dataset.subset.train of ${raw.name}`);
  if (subset.validation !== null) {
    validation = stratifiedFirstN(validation, subset.validation, classes, pixels, `dataset.subset.validation of ${raw.name}`);
  }
  const { mean, std } = channelStats(train, channels);
  options.log?.(`${raw.name}: ${train.count} training, ${validation.count} validation images of ${height}×${width}×${channels}`);
  return { name: raw.name, classNames: raw.classNames, shape: raw.shape, train, validation, channelMean: mean, channelStd: std };
};

async function loadRaw(config: DatasetConfig, options: LoadDatasetOptions): Promise<RawDataset> {
  const fileOptions: FileLoaderOptions = {
    ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
    ...(options.baseUrl !== undefined ? { baseUrl: options.baseUrl } : {}),
    ...(options.checksums !== undefined ? { checksums: options.checksums } : {}),
    ...(options.sizes !== undefined ? { sizes: options.sizes } : {}),
    ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {}),
    ...(options.log !== undefined ? { log: options.log } : {}),
  };
  switch (config.name) {
    case 'cifar10':
      return loadCifar10(fileOptions);
    case 'fashion-mnist':
      return loadFashionMnist(fileOptions);
    case 'synthetic': {
      if (!config.synthetic) {
        throw new DatasetError("dataset 'synthetic' needs a 'synthetic' section (height, width, channels, classes, train_size, validation_size, noise)");
      }
      const ds = makeSyntheticDataset(config.synthetic, options.seed);
      return { name: ds.name, classNames: ds.classNames, shape: ds.shape, train: ds.train, test: ds.validation };
    }
    default:
      throw new DatasetError(`unknown dataset '${String(config.name)}'; expected cifar10, fashion-mnist or synthetic`);
  }
}
