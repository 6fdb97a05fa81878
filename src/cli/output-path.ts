import { accessSync, constants, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { OutputPathError } from './errors.js';

/**
 * Output paths are checked before a command does any work (connecting, exporting, rendering), so a typo in -o
 * costs nothing: exit 2 with the path and what is wrong with it.
 */

/** A folder the command creates if needed and writes into. */
export function checkOutputDir(dir: string, flag: string): void {
  const path = resolve(dir);
  const stats = statOrNull(path);
  if (stats) {
    if (!stats.isDirectory()) throw new OutputPathError(`${flag} ${dir}: it is a file, not a folder; give a folder (it is created if missing)`);
    requireWritable(path, `${flag} ${dir}`);
    return;
  }
  checkCreatable(path, `${flag} ${dir}`);
}

/** A folder the command reads and may write (a cache): only a file standing where it should be is refused here. */
export function checkFolderArgument(dir: string, flag: string): void {
  const stats = statOrNull(resolve(dir));
  if (stats && !stats.isDirectory()) throw new OutputPathError(`${flag} ${dir}: it is a file, not a folder; give a folder`);
}

/** A file the command writes (replacing it), its folders created if needed. */
export function checkOutputFile(file: string, flag: string): void {
  const path = resolve(file);
  const stats = statOrNull(path);
  if (stats?.isDirectory()) throw new OutputPathError(`${flag} ${file}: it is a folder; give a file name, such as ${file.replace(/\/+$/, '')}/report.html`);
  if (stats) {
    requireWritable(path, `${flag} ${file}`);
    return;
  }
  checkCreatable(path, `${flag} ${file}`);
}

/** The nearest existing ancestor must be a writable folder: then mkdir -p and the write can succeed. */
function checkCreatable(path: string, what: string): void {
  let parent = dirname(path);
  for (;;) {
    const stats = statOrNull(parent);
    if (stats) {
      if (!stats.isDirectory()) throw new OutputPathError(`${what}: ${parent} is a file, so no folder can be made under it; choose another path`);
      requireWritable(parent, what, parent);
      return;
    }
    const up = dirname(parent);
    if (up === parent) return;
    parent = up;
  }
}

function requireWritable(path: string, what: string, folder?: string): void {
  try {
    accessSync(path, constants.W_OK);
  } catch {
    throw new OutputPathError(`${what}: ${folder ? `the folder ${folder} is` : 'it is'} not writable (permission denied); choose a path you can write to`);
  }
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    // ENOTDIR: a part of the path is a file; the ancestor walk names it.
    if (code === 'ENOTDIR') return null;
    throw new OutputPathError(`${path}: cannot be checked (${code ?? (e as Error).message}); choose another path`, { cause: e });
  }
}
