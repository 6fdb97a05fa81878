import type { DownloadProgress } from './download.js';

/** A one-line progress bar on stderr, or null when stderr is not a terminal. */
export function stderrProgressBar(): ((p: DownloadProgress) => void) | null {
  const stderr = process.stderr;
  if (!stderr.isTTY) return null;
  return ({ file, receivedBytes, totalBytes }) => {
    const mb = (n: number) => (n / 1e6).toFixed(1);
    let line: string;
    if (totalBytes) {
      const share = Math.min(1, receivedBytes / totalBytes);
      const width = 30;
      const filled = Math.round(share * width);
      line = `${file} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(share * 100).toFixed(0)}% ${mb(receivedBytes)}/${mb(totalBytes)} MB`;
    } else {
      line = `${file} ${mb(receivedBytes)} MB`;
    }
    stderr.write(`\r${line}\x1b[K`);
    if (totalBytes !== null && receivedBytes >= totalBytes) stderr.write('\n');
  };
}
