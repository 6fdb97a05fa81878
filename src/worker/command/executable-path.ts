import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

/**
 * The absolute path `program` runs as, searched like execvp does (a name with a `/` is relative to `cwd`, any
 * other name is looked up on `pathVar`), or null when no executable file is there.
 */
export function resolveExecutable(program: string, pathVar: string, cwd: string): string | null {
  const candidates = program.includes('/') ? [isAbsolute(program) ? program : resolve(cwd, program)] : pathVar.split(delimiter).filter(Boolean).map((d) => resolve(cwd, join(d, program)));
  return candidates.find(isExecutableFile) ?? null;
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
