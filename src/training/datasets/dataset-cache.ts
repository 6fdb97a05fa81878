import type { DatasetConfig } from '../../domain/trial-config.js';
import type { Dataset } from './types.js';
import { loadDataset } from './index.js';

/** Split seed shared by all trials, so trials of different seeds are compared on the same data. */
const DATA_SEED = 0;

/** Loads each dataset configuration once per worker process. */
export class DatasetCache {
  private readonly cache = new Map<string, Promise<Dataset>>();

  constructor(
    private readonly dataDir: string | undefined,
    private readonly log: (m: string) => void,
  ) {}

  get(config: DatasetConfig): Promise<Dataset> {
    const key = JSON.stringify(config);
    const hit = this.cache.get(key);
    if (hit) return hit;
    const loading: Promise<Dataset> = loadDataset(config, {
      seed: DATA_SEED,
      log: this.log,
      ...(this.dataDir ? { dataDir: this.dataDir } : {}),
    });
    loading.catch(() => this.cache.delete(key));
    this.cache.set(key, loading);
    return loading;
  }
}

/** A stand-in for families that use no data (the `sleep` dispatch trainer). */
export const NO_DATA: Dataset = {
  name: 'none',
  classNames: [],
  shape: [1, 1, 1],
  train: { images: new Uint8Array(0), labels: new Uint8Array(0), count: 0 },
  validation: { images: new Uint8Array(0), labels: new Uint8Array(0), count: 0 },
  channelMean: [0],
  channelStd: [1],
};
