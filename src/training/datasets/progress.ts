import type { DownloadProgress } from './download.js';
import { stderrProgressBar } from './progress-bar.js';

/** The caller's progress callback plus, on a terminal, a progress bar on stderr. */
export function combineProgress(
  onProgress: ((p: DownloadProgress) => void) | undefined,
): { onProgress?: (p: DownloadProgress) => void } {
  const bar = stderrProgressBar();
  if (!bar && !onProgress) return {};
  return {
    onProgress: (p) => {
      bar?.(p);
      onProgress?.(p);
    },
  };
}
