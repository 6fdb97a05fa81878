import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { DatasetError } from './errors.js';

const gunzipAsync = promisify(gunzip);

/** Reads a file, gunzipping it when its name ends in .gz; errors name the file. */
export async function readMaybeGzipped(file: string): Promise<Buffer> {
  let raw: Buffer;
  try {
    raw = await readFile(file);
  } catch (e) {
    throw new DatasetError(`cannot read ${file}: ${(e as Error).message}`, file, { cause: e });
  }
  if (!file.endsWith('.gz')) return raw;
  try {
    return await gunzipAsync(raw);
  } catch (e) {
    throw new DatasetError(
      `${file} is not a valid gzip file (${(e as Error).message}); delete it or replace it with an intact copy`,
      file,
      { cause: e },
    );
  }
}
