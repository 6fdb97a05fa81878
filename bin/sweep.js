#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm run build`, which scripts/setup.sh runs) when it is fresh, else the
// TypeScript sources through tsx (slower to start: they are transpiled on the fly). Fresh means dist/.build-stamp,
// written at the end of the build, matches the sources now (newest mtime and file count of src/: see
// build-stamp.js); so an edit to src/ is never run from an older dist/. SWEEP_FROM_SOURCE=1 always runs the sources
// (the tests do). An install without src/ (the worker images copy dist/ only) runs dist/.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, distIsFresh } from './build-stamp.js';

const compiled = join(ROOT, 'dist', 'cli', 'main.js');
const fromSource = Boolean(process.env.SWEEP_FROM_SOURCE);
const hasSources = existsSync(join(ROOT, 'src', 'cli', 'main.ts'));
if (!fromSource && existsSync(compiled) && (!hasSources || distIsFresh())) {
  await import(pathToFileURL(compiled).href);
} else {
  if (!fromSource && existsSync(compiled) && process.stderr.isTTY) {
    process.stderr.write('sweep: dist/ is older than src/: running the sources (npm run build makes it start faster)\n');
  }
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(ROOT, 'src', 'cli', 'main.ts')).href);
}
