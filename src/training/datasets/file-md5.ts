import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { DatasetError } from './errors.js';

/** The MD5 (hex) of a file, read as a stream; an unreadable file is a DatasetError naming it. */
export async function fileMd5(path: string): Promise<string> {
  const hash = createHash('md5');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (e) {
    throw new DatasetError(`${path}: cannot read it to check its MD5 (${(e as Error).message})`, path, { cause: e });
  }
  return hash.digest('hex');
}
