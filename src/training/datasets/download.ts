import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { DatasetError } from './errors.js';

export interface DownloadProgress {
  file: string;
  receivedBytes: number;
  totalBytes: number | null;
}

export interface DownloadOptions {
  url: string;
  /** Final path; it only ever appears complete and verified. */
  destination: string;
  expectedMd5: string;
  /** The file's known size: a response that declares or sends more is cut off there and refused. */
  maxBytes: number;
  onProgress?: (p: DownloadProgress) => void;
}

const PROGRESS_INTERVAL_MS = 200;

/**
 * Downloads into a temporary file next to `destination`, stops at `maxBytes`, checks length and MD5, then renames
 * it into place (atomic on one filesystem). On any failure the temporary file is removed, so a
 * truncated or corrupt download never becomes a cache entry.
 */
export async function downloadVerified(options: DownloadOptions): Promise<void> {
  const { url, destination, expectedMd5, maxBytes, onProgress } = options;
  const file = basename(destination);
  await mkdir(dirname(destination), { recursive: true });
  const temp = `${destination}.part-${process.pid}-${Date.now().toString(36)}`;
  try {
    let response: Response;
    try {
      response = await fetch(url);
    } catch (e) {
      throw new DatasetError(`download of ${url} failed: ${describe(e)}`, file, { cause: e, retryable: true });
    }
    if (!response.ok || !response.body) {
      // A server error or rate limit may pass; a 404 or 403 stays.
      const retryable = response.ok || response.status >= 500 || response.status === 408 || response.status === 429;
      throw new DatasetError(`download of ${url} failed: HTTP ${response.status} ${response.statusText}`, file, { retryable });
    }
    const lengthHeader = response.headers.get('content-length');
    const totalBytes = lengthHeader === null ? null : Number(lengthHeader);
    const oversized = (what: string) =>
      new DatasetError(
        `download of ${url} refused: ${what}, more than the ${maxBytes} bytes of ${file}; nothing was cached ` +
          '(a proxy or mirror may be serving a different file; check the URL)',
        file,
        { retryable: true },
      );
    if (totalBytes !== null && totalBytes > maxBytes) {
      await response.body.cancel();
      throw oversized(`the server announces ${totalBytes} bytes`);
    }
    const md5 = createHash('md5');
    let receivedBytes = 0;
    let lastReport = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        receivedBytes += chunk.length;
        if (receivedBytes > maxBytes) {
          done(oversized(`the server sent ${receivedBytes} bytes so far`));
          return;
        }
        md5.update(chunk);
        const now = Date.now();
        if (onProgress && now - lastReport >= PROGRESS_INTERVAL_MS) {
          lastReport = now;
          onProgress({ file, receivedBytes, totalBytes });
        }
        done(null, chunk);
      },
    });
    try {
      const body = Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>);
      await pipeline(body, meter, createWriteStream(temp));
    } catch (e) {
      if (e instanceof DatasetError) throw e;
      throw new DatasetError(
        `download of ${url} was interrupted after ${receivedBytes}${totalBytes === null ? '' : ` of ${totalBytes}`} bytes ` +
          `(${describe(e)}); nothing was cached, run again to retry`,
        file,
        { cause: e, retryable: true },
      );
    }
    if (totalBytes !== null && receivedBytes !== totalBytes) {
      throw new DatasetError(
        `download of ${url} is truncated: received ${receivedBytes} of ${totalBytes} bytes; nothing was cached, run again to retry`,
        file,
        { retryable: true },
      );
    }
    onProgress?.({ file, receivedBytes, totalBytes: totalBytes ?? receivedBytes });
    const actual = md5.digest('hex');
    if (actual !== expectedMd5.toLowerCase()) {
      throw new DatasetError(
        `download of ${url} failed verification: MD5 ${actual}, expected ${expectedMd5}; ` +
          'nothing was cached (a proxy or mirror may have served a different file)',
        file,
        { retryable: true },
      );
    }
    await rename(temp, destination);
  } finally {
    await rm(temp, { force: true });
  }
}

function describe(e: unknown): string {
  const err = e as Error & { cause?: unknown };
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${err.message ?? String(e)}${cause}`;
}
