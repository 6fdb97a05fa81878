// bin/sweep.js runs dist/ only while dist/.build-stamp matches the sources (bin/build-stamp.js): an edit, an added or
// a removed file under src/ must make dist/ stale, so a changed source is never run from an older build.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface BuildStamp {
  sourceFingerprint(root: string): string;
  distIsFresh(root: string): boolean;
}
const STAMP_MODULE: string = '../../bin/build-stamp.js';
const stamp = (await import(STAMP_MODULE)) as BuildStamp;

test('dist/ is fresh only while the stamp matches src/: an edit, an added or a removed file makes it stale', () => {
  const root = mkdtempSync(join(tmpdir(), 'build-stamp-'));
  try {
    mkdirSync(join(root, 'src', 'cli'), { recursive: true });
    mkdirSync(join(root, 'dist'));
    for (const f of ['tsconfig.json', 'tsconfig.build.json', 'src/cli/main.ts', 'src/log.ts']) writeFileSync(join(root, f), '{}');
    const old = new Date(Date.now() - 60_000);
    for (const f of ['tsconfig.json', 'tsconfig.build.json', 'src/cli/main.ts', 'src/log.ts']) utimesSync(join(root, f), old, old);
    assert.equal(stamp.distIsFresh(root), false, 'no stamp: not fresh');
    const writeStamp = () => writeFileSync(join(root, 'dist', '.build-stamp'), stamp.sourceFingerprint(root) + '\n');
    writeStamp();
    assert.equal(stamp.distIsFresh(root), true);
    utimesSync(join(root, 'src', 'log.ts'), new Date(), new Date());
    assert.equal(stamp.distIsFresh(root), false, 'an edited source');
    writeStamp();
    writeFileSync(join(root, 'src', 'new.ts'), '');
    utimesSync(join(root, 'src', 'new.ts'), old, old);
    assert.equal(stamp.distIsFresh(root), false, 'an added source, even with an old mtime');
    writeStamp();
    rmSync(join(root, 'src', 'new.ts'));
    assert.equal(stamp.distIsFresh(root), false, 'a removed source');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
