import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { DatasetError } from './errors.js';

const BLOCK = 512;
const MIB = 2 ** 20;

export interface TarLimits {
  /** The largest member extracted, in bytes (checked from its header, before any of it is read). */
  maxMemberBytes: number;
  /** The most bytes the decompressed archive may hold, skipped members included. */
  maxArchiveBytes: number;
}

/** Generous for dataset tarballs (CIFAR-10's largest member is 30 MB, the whole archive 185 MB decompressed). */
export const DEFAULT_TAR_LIMITS: TarLimits = { maxMemberBytes: 256 * MIB, maxArchiveBytes: 1024 * MIB };

/**
 * Extracts the regular files of a .tar.gz whose path `select` maps to an output name (null skips
 * it) into `outputDir`, streaming: only the member being extracted is held in memory, and skipped
 * members are read past without being kept. Plain ustar/GNU archives with octal sizes only (what
 * dataset tarballs are); other entry types are skipped. Returns the names written.
 */
export async function extractTarGz(
  archive: string,
  outputDir: string,
  select: (memberPath: string) => string | null,
  limits: TarLimits = DEFAULT_TAR_LIMITS,
): Promise<string[]> {
  const written: string[] = [];
  const reader = new TarReader(archive, limits, select, async (name, content) => {
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
  /** The output name of a member being extracted; null for one read past. */
  output: string | null;
  chunks: Buffer[];
  received: number;
}

type OnMember = (outputName: string, content: Buffer) => Promise<void>;

/** A Writable that parses tar blocks as they arrive. */
class TarReader extends Writable {
  private pending = Buffer.alloc(0);
  private member: Member | null = null;
  private padding = 0;
  private ended = false;
  private total = 0;

  constructor(
    private readonly archive: string,
    private readonly limits: TarLimits,
    private readonly select: (memberPath: string) => string | null,
    private readonly onMember: OnMember,
  ) {
    super();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (e?: Error | null) => void): void {
    this.total += chunk.length;
    if (this.total > this.limits.maxArchiveBytes) {
      done(this.refuse(`the archive holds more than ${sizeText(this.limits.maxArchiveBytes)} decompressed, the most read`));
      return;
    }
    this.consume(chunk).then(() => done(), done);
  }

  assertComplete(): void {
    if (this.member !== null || (!this.ended && this.pending.length > 0)) {
      throw new DatasetError(`${this.archive}: tar archive is truncated${this.member ? ` inside ${this.member.path}` : ''}`, this.archive);
    }
  }

  private refuse(why: string): DatasetError {
    return new DatasetError(`${this.archive}: ${why}; delete it or replace it with an intact copy of the dataset archive`, this.archive);
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
        if (this.member.output !== null) this.member.chunks.push(data.subarray(0, take));
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
    const checksum = this.octalField(header, 148, 8, 'checksum');
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : header[i]!;
    if (checksum !== sum) throw this.refuse(`corrupt tar header (checksum ${checksum}, computed ${sum})`);
    const name = cString(header.subarray(0, 100));
    const prefix = header.subarray(257, 263).toString('latin1').startsWith('ustar') ? cString(header.subarray(345, 500)) : '';
    const path = prefix ? `${prefix}/${name}` : name;
    const size = this.octalField(header, 124, 12, `size of ${path}`);
    const type = String.fromCharCode(header[156]!);
    const output = type === '0' || type === '\0' ? this.select(path) : null;
    if (output !== null && size > this.limits.maxMemberBytes) {
      throw this.refuse(`member ${path} is ${size} bytes, more than the ${sizeText(this.limits.maxMemberBytes)} a member may hold`);
    }
    this.member = { path, size, output, chunks: [], received: 0 };
    return this.member;
  }

  /** An octal header field (digits up to a NUL, spaces around them); anything else, e.g. GNU's base-256 sizes, is refused. */
  private octalField(header: Buffer, offset: number, length: number, what: string): number {
    const bytes = header.subarray(offset, offset + length);
    if ((bytes[0]! & 0x80) !== 0) throw this.refuse(`the tar header's ${what} is base-256 (a member over 8 GiB), which dataset archives never need`);
    const text = cString(bytes).trim();
    if (!/^[0-7]*$/.test(text)) throw this.refuse(`the tar header's ${what} is not an octal number (${JSON.stringify(text)}); the archive is corrupt`);
    return text === '' ? 0 : parseInt(text, 8);
  }

  private async finishMember(): Promise<void> {
    const member = this.member!;
    this.member = null;
    this.padding = (BLOCK - (member.size % BLOCK)) % BLOCK;
    if (member.output !== null) await this.onMember(member.output, Buffer.concat(member.chunks));
  }
}

const sizeText = (bytes: number) => (bytes % MIB === 0 ? `${bytes / MIB} MiB` : `${bytes.toLocaleString('en-US')} bytes`);

function cString(bytes: Buffer): string {
  const end = bytes.indexOf(0);
  return bytes.subarray(0, end === -1 ? bytes.length : end).toString('utf8');
}
