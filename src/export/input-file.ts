import { open } from 'node:fs/promises';
import { ImageFileError, ModelFileError } from './errors.js';

/**
 * The largest image file read (64 MiB): a PNG or JPEG of up to 50 megapixels is rarely larger, and reading stops
 * there, so a huge file or a device such as /dev/zero cannot fill memory before decoding starts.
 */
export const MAX_IMAGE_FILE_MB = 64;

/** Why a file cannot be read, in words, with what to do about it. */
export function unreadableReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file; check the path';
  if (code === 'EISDIR') return 'it is a directory; give a file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied; check the file permissions';
  if (code === 'ENOTDIR') return 'a part of the path is not a directory; check the path';
  return `${code ?? (e as Error).message}`;
}

/**
 * Reads an input file of `sweep predict`; one that cannot be read is bad input naming the file and the reason. An
 * image file is read to at most MAX_IMAGE_FILE_MB; a longer one is refused.
 */
export async function readInputFile(path: string, what: 'model' | 'image'): Promise<Uint8Array> {
  const ErrorClass = what === 'model' ? ModelFileError : ImageFileError;
  const limit = what === 'image' ? MAX_IMAGE_FILE_MB * 2 ** 20 : Infinity;
  let bytes: Buffer;
  try {
    bytes = await readAtMost(path, limit);
  } catch (e) {
    throw new ErrorClass(`${path}: cannot read ${what} (${unreadableReason(e)})`, { cause: e });
  }
  if (bytes.length > limit) {
    throw new ErrorClass(`${path}: the ${what} file is larger than ${MAX_IMAGE_FILE_MB} MiB, the most sweep predict reads; scale the image down first`);
  }
  return bytes;
}

/** The file's bytes, or its first `limit + 1` bytes when it is longer (so the caller can tell). */
async function readAtMost(path: string, limit: number): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    if (limit === Infinity) return await file.readFile();
    const chunks: Buffer[] = [];
    let total = 0;
    while (total <= limit) {
      const chunk = Buffer.allocUnsafe(Math.min(1 << 20, limit + 1 - total));
      const { bytesRead } = await file.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
    }
    return Buffer.concat(chunks, total);
  } finally {
    await file.close();
  }
}
