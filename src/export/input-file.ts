import { readFile } from 'node:fs/promises';
import { ImageFileError, ModelFileError } from './errors.js';

/** Why a file cannot be read, in words, with what to do about it. */
export function unreadableReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file; check the path';
  if (code === 'EISDIR') return 'it is a directory; give a file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied; check the file permissions';
  if (code === 'ENOTDIR') return 'a part of the path is not a directory; check the path';
  return `${code ?? (e as Error).message}`;
}

/** Reads an input file of `sweep predict`; one that cannot be read is bad input naming the file and the reason. */
export async function readInputFile(path: string, what: 'model' | 'image'): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (e) {
    const ErrorClass = what === 'model' ? ModelFileError : ImageFileError;
    throw new ErrorClass(`${path}: cannot read ${what} (${unreadableReason(e)})`, { cause: e });
  }
}
