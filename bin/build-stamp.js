#!/usr/bin/env node
// The freshness check of dist/ (the compiled CLI). `npm run build` runs `build-stamp.js --begin` before tsc (it
// removes the old stamp and notes the sources' fingerprint) and `build-stamp.js` after it, which writes
// dist/.build-stamp when the sources did not change while tsc ran. bin/sweep.js runs dist/ only while the sources
// still have that fingerprint; otherwise it runs src/ through tsx. A failed build leaves no stamp. The fingerprint
// is the newest mtime and the number of the files under src/ (and the two tsconfig files' mtimes): an edit, an
// added, a deleted or a renamed file changes it. Computing it stats every source file: 7-20 ms for ~280 files here.
import { mkdirSync, readdirSync, rmSync, statSync, readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const STAMP = join(ROOT, 'dist', '.build-stamp');

/** "<newest mtime in ms>:<file count>" of src/ and the tsconfig files. */
export function sourceFingerprint(root = ROOT) {
  let newest = 0;
  let count = 0;
  const visit = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else {
        newest = Math.max(newest, statSync(path).mtimeMs);
        count++;
      }
    }
  };
  visit(join(root, 'src'));
  for (const f of ['tsconfig.json', 'tsconfig.build.json']) newest = Math.max(newest, statSync(join(root, f)).mtimeMs);
  return `${Math.floor(newest)}:${count}`;
}

/** Whether dist/ was built from the sources as they are now (false without a stamp). */
export function distIsFresh(root = ROOT) {
  let stamped;
  try {
    stamped = readFileSync(join(root, 'dist', '.build-stamp'), 'utf8').trim();
  } catch {
    return false;
  }
  return stamped === sourceFingerprint(root);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const pending = STAMP + '.pending';
  if (process.argv[2] === '--begin') {
    rmSync(STAMP, { force: true });
    mkdirSync(dirname(STAMP), { recursive: true });
    writeFileSync(pending, sourceFingerprint() + '\n');
  } else {
    const before = readFileSync(pending, 'utf8').trim();
    rmSync(pending, { force: true });
    if (before === sourceFingerprint()) writeFileSync(STAMP, before + '\n');
    else process.stderr.write('build-stamp: src/ changed while tsc ran: dist/ left unstamped (bin/sweep.js runs the sources); build again\n');
  }
}
