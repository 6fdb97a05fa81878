// The dataset tar reader on hostile archives (issue 27): a base-256 or garbage size field is refused at once (it
// spun forever before), members it does not extract are read past without being held in memory, and member and
// archive sizes are capped. Archives are written by GNU tar, then their headers are edited.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DEFAULT_TAR_LIMITS, extractTarGz } from '../../src/training/datasets/tar.js';
import { DatasetError } from '../../src/training/datasets/errors.js';

const MIB = 2 ** 20;

/** Rewrites the first member's size field with `field` (12 bytes) and fixes the header checksum. */
function withSizeField(tarGz: Buffer, field: Buffer): Buffer {
  const tar = gunzipSync(tarGz);
  field.copy(tar, 124);
  tar.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += tar[i]!;
  tar.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return gzipSync(tar);
}

/** Fails instead of hanging when the reader spins (it did on base-256 sizes). */
function within<T>(ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

describe('tar reader limits', () => {
  let dir = '';
  let small = '';
  let big = '';
  const out = (name: string) => {
    const path = join(dir, name);
    mkdirSync(path);
    return path;
  };
  const all = (path: string) => path.split('/').at(-1)!;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sweep-tar-bounds-'));
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src', 'a.bin'), Buffer.alloc(1000, 7));
    writeFileSync(join(dir, 'src', 'b.bin'), 'second member\n');
    small = join(dir, 'small.tar.gz');
    execFileSync('tar', ['-czf', small, '-C', join(dir, 'src'), 'a.bin', 'b.bin']);
    const skipped = join(dir, 'src', 'skipped.bin');
    writeFileSync(skipped, '');
    truncateSync(skipped, 256 * MIB); // sparse: 256 MiB of zeros that take no disk
    writeFileSync(join(dir, 'src', 'wanted.txt'), 'wanted\n');
    big = join(dir, 'big.tar.gz');
    execFileSync('tar', ['-czf', big, '-C', join(dir, 'src'), 'skipped.bin', 'wanted.txt']);
    rmSync(skipped);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('control: the unedited archive extracts both members', async () => {
    const to = out('control');
    assert.deepEqual(await extractTarGz(small, to, all), ['a.bin', 'b.bin']);
    assert.deepEqual(readFileSync(join(to, 'a.bin')), Buffer.alloc(1000, 7));
  });

  test('a base-256 size field is refused with a clear error, not an endless loop', async () => {
    const field = Buffer.alloc(12);
    field[0] = 0x80;
    field.writeUInt32BE(1000, 8);
    const archive = join(dir, 'base256.tar.gz');
    writeFileSync(archive, withSizeField(readFileSync(small), field));
    const to = out('base256');
    await assert.rejects(within(10_000, extractTarGz(archive, to, all)), (e) => {
      assert.ok(e instanceof DatasetError, String(e));
      assert.match(e.message, /base256\.tar\.gz: the tar header's size of a\.bin is base-256 \(a member over 8 GiB\).*; delete it or replace it/);
      return true;
    });
    assert.deepEqual(readdirSync(to), []);
  });

  test('a size field that is not a number is refused, naming the field', async () => {
    const archive = join(dir, 'garbage.tar.gz');
    writeFileSync(archive, withSizeField(readFileSync(small), Buffer.from('00000001x50\0', 'latin1')));
    await assert.rejects(within(10_000, extractTarGz(archive, out('garbage'), all)), (e) => {
      assert.ok(e instanceof DatasetError, String(e));
      assert.match(e.message, /the tar header's size of a\.bin is not an octal number \("00000001x50"\); the archive is corrupt/);
      return true;
    });
  });

  test('a member it does not extract (256 MiB of zeros) is read past without being held in memory', async () => {
    const base = process.memoryUsage().arrayBuffers;
    let peak = base;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().arrayBuffers)), 2);
    const to = out('skip');
    try {
      assert.deepEqual(await extractTarGz(big, to, (p) => (p === 'wanted.txt' ? p : null)), ['wanted.txt']);
    } finally {
      clearInterval(sampler);
    }
    assert.equal(readFileSync(join(to, 'wanted.txt'), 'utf8'), 'wanted\n');
    assert.ok(peak - base < 32 * MIB, `buffers grew by ${((peak - base) / MIB).toFixed(0)} MiB while skipping a 256 MiB member`);
  });

  test('a member larger than the member cap, or an archive past the archive cap, is refused', async () => {
    await assert.rejects(extractTarGz(small, out('member-cap'), all, { ...DEFAULT_TAR_LIMITS, maxMemberBytes: 512 }), (e) => {
      assert.ok(e instanceof DatasetError, String(e));
      assert.match(e.message, /small\.tar\.gz: member a\.bin is 1000 bytes, more than the 512 bytes a member may hold/);
      return true;
    });
    await assert.rejects(extractTarGz(big, out('archive-cap'), () => null, { ...DEFAULT_TAR_LIMITS, maxArchiveBytes: 16 * MIB }), (e) => {
      assert.ok(e instanceof DatasetError, String(e));
      assert.match(e.message, /big\.tar\.gz: the archive holds more than 16 MiB decompressed, the most read; delete it or replace it/);
      return true;
    });
  });
});
