import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { DatasetError } from './errors.js';

const BLOCK = 512;

/**
 * Extracts the regular files of a .tar.gz whose path `select` maps to an output name (null skips
 * it) into `outputDir`, streaming: only one member is held in memory at a time. Plain ustar/GNU
 * archives only (what dataset tarballs are); other entry types are skipped. Returns the names written.
 */
export async function extractTarGz(
  archive: string,
  outputDir: string,
  select: (memberPath: string) => string | null,
): Promise<string[]> {
  const written: string[] = [];
  const reader = new TarReader(archive, async (path, content) => {
    const name = select(path);
    if (name === null) return;
    await writeFile(join(outputDir, name), content);
    written.push(name);
  });
  try {
    await pipeline(createReadStream(archive), createGunzip(), reader);
  } catch (e) {
    if (e instanceof DatasetError) throw e;
    throw new DatasetError(
      `${archive} is not a valid .tar.gz (${(e as Error).message}); delete it or replace it with an intact copy`,
      archive,
      { cause: e },
    );
  }
  reader.assertComplete();
  return written;
}

interface Member {
  path: string;
  size: number;
  regular: boolean;
  chunks: Buffer[];
  received: number;
}

type OnMember = (path: string, content: Buffer) => Promise<void>;

/** A Writable that parses tar blocks as they arrive. */
class TarReader extends Writable {
  private pending = Buffer.alloc(0);
  private member: Member | null = null;
  private padding = 0;
  private ended = false;

  constructor(
    private readonly archive: string,
    private readonly onMember: OnMember,
  ) {
    super();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (e?: Error | null) => void): void {
    this.consume(chunk).then(() => done(), done);
  }

  assertComplete(): void {
    if (this.member !== null || (!this.ended && this.pending.length > 0)) {
      throw new DatasetError(`${this.archive}: tar archive is truncated${this.member ? ` inside ${this.member.path}` : ''}`, this.archive);
    }
  }

  private async consume(chunk: Buffer): Promise<void> {
    let data = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = Buffer.alloc(0);
    while (data.length > 0 && !this.ended) {
      if (this.padding > 0) {
        const skip = Math.min(this.padding, data.length);
        this.padding -= skip;
        data = data.subarray(skip);
        continue;
      }
      if (this.member) {
        const take = Math.min(this.member.size - this.member.received, data.length);
        if (this.member.regular) this.member.chunks.push(data.subarray(0, take));
        this.member.received += take;
        data = data.subarray(take);
        if (this.member.received === this.member.size) await this.finishMember();
        continue;
      }
      if (data.length < BLOCK) {
        this.pending = Buffer.from(data);
        return;
      }
      const started = this.startMember(data.subarray(0, BLOCK));
      data = data.subarray(BLOCK);
      if (started?.size === 0) await this.finishMember();
    }
  }

  private startMember(header: Buffer): Member | null {
    if (header.every((b) => b === 0)) {
      this.ended = true; // end-of-archive marker
      return null;
    }
    const checksum = parseOctal(header.subarray(148, 156));
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : header[i]!;
    if (checksum !== sum) {
      throw new DatasetError(`${this.archive}: corrupt tar header (checksum ${checksum}, computed ${sum})`, this.archive);
    }
    const name = cString(header.subarray(0, 100));
    const prefix = header.subarray(257, 263).toString('latin1').startsWith('ustar') ? cString(header.subarray(345, 500)) : '';
    const size = parseOctal(header.subarray(124, 136));
    const type = String.fromCharCode(header[156]!);
    this.member = {
      path: prefix ? `${prefix}/${name}` : name,
      size,
      regular: type === '0' || type === '\0',
      chunks: [],
      received: 0,
    };
    return this.member;
  }

  private async finishMember(): Promise<void> {
    const member = this.member!;
    this.member = null;
    this.padding = (BLOCK - (member.size % BLOCK)) % BLOCK;
    if (member.regular) await this.onMember(member.path, Buffer.concat(member.chunks));
  }
}

function cString(bytes: Buffer): string {
  const end = bytes.indexOf(0);
  return bytes.subarray(0, end === -1 ? bytes.length : end).toString('utf8');
}

function parseOctal(bytes: Buffer): number {
  const text = cString(bytes).trim();
  return text === '' ? 0 : parseInt(text, 8);
}
