import type { Split } from './types.js';

/** A dataset as its files define it, before validation holdout, subsets and statistics. */
export interface RawDataset {
  name: string;
  classNames: string[];
  /** [height, width, channels] */
  shape: [number, number, number];
  train: Split;
  test: Split;
}

/** What file-backed loaders need besides the directory. */
export interface FileLoaderOptions {
  dataDir?: string;
  baseUrl?: string;
  /** File name → expected MD5 (hex), overriding the built-in table (tests serve fixtures). */
  checksums?: Record<string, string>;
  /** File name → size in bytes, overriding the built-in sizes at which a download stops (tests serve fixtures). */
  sizes?: Record<string, number>;
  onProgress?: (p: { file: string; receivedBytes: number; totalBytes: number | null }) => void;
  log?: (msg: string) => void;
}
