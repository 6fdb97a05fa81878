import type { DatasetConfig } from '../../domain/trial-config.js';

/** One split, kept as uint8 pixels (NHWC, row-major) and converted to float per batch. */
export interface Split {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

export interface Dataset {
  name: string;
  classNames: string[];
  /** [height, width, channels] */
  shape: [number, number, number];
  train: Split;
  validation: Split;
  /** Per-channel mean and std of the training split in the 0..255 range (for 'standardize'). */
  channelMean: number[];
  channelStd: number[];
}

export interface LoadDatasetOptions {
  /** Where the dataset files are (or are cached). Default: $SWEEP_DATA_DIR, else ~/.cache/sweep, or the Debian path for fashion-mnist. */
  dataDir?: string;
  /** Base URL override for downloads (tests point this at a local HTTP server). */
  baseUrl?: string;
  /** Seed for deterministic synthetic data and validation holdout. */
  seed: number;
  /** File name → expected MD5 (hex), overriding the built-in checksums (tests serve small fixtures). */
  checksums?: Record<string, string>;
  /** File name → size in bytes, overriding the built-in sizes at which a download is cut off (tests serve small fixtures). */
  sizes?: Record<string, number>;
  onProgress?: (p: { file: string; receivedBytes: number; totalBytes: number | null }) => void;
  log?: (msg: string) => void;
}

export type LoadDataset = (config: DatasetConfig, options: LoadDatasetOptions) => Promise<Dataset>;
