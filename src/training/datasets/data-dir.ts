import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The root under which datasets are looked up and cached: the `dataDir` option, else
 * $SWEEP_DATA_DIR, else ~/.cache/sweep. Dataset `name` is cached in `<root>/<name>/`.
 */
export function dataRoot(dataDir: string | undefined): string {
  return dataDir ?? process.env.SWEEP_DATA_DIR ?? join(homedir(), '.cache', 'sweep');
}

/**
 * Folders that may hold a dataset's files, most specific first: the dataset's cache folder
 * under the root, then the root itself (a `dataDir` pointing straight at the files).
 */
export function candidateDirs(root: string, name: string): string[] {
  return [join(root, name), root];
}
