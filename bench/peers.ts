/**
 * The programs a benchmark runs beside the project (PyTorch for bench:train, nats-server for the dispatch, ASHA and
 * chaos benches), checked before any measuring starts: a missing one is one line naming the package that
 * provides it, and exit code 2 (bad input, as in the CLI), instead of a stack trace halfway through the run.
 */
import { spawnSync } from 'node:child_process';
import { findNatsServerBinary } from '../src/transport/embedded-server.js';

export interface PythonPeer {
  /** The module to import, e.g. torch. */
  module: string;
  /** What it is, for people: PyTorch. */
  name: string;
  /** The Debian package that provides it: python3-torch. */
  apt: string;
}

export const PYTORCH: PythonPeer = { module: 'torch', name: 'PyTorch', apt: 'python3-torch' };

/** Why `python` cannot import `peer.module`, as the one line to print; null when it can. */
export function pythonPeerProblem(bench: string, python: string, peer: PythonPeer): string | null {
  if (!/^[A-Za-z_][\w.]*$/.test(peer.module)) throw new Error(`not a Python module name: ${peer.module}`);
  const res = spawnSync(python, ['-c', `import ${peer.module}`], { encoding: 'utf8', timeout: 120_000 });
  if (res.error) {
    const code = (res.error as NodeJS.ErrnoException).code;
    return `${bench} needs Python 3 at ${python} (${code ?? res.error.message}): apt-get install -y python3, or pass --python PATH`;
  }
  if (res.status === 0) return null;
  if (/ModuleNotFoundError|ImportError/.test(res.stderr)) return `${bench} needs ${peer.name}: apt-get install -y ${peer.apt}`;
  // Installed but broken (a missing shared library, a version clash): name it, with Python's last line.
  const last = res.stderr.trim().split('\n').at(-1) ?? `exit code ${res.status}`;
  return `${bench} needs a working ${peer.name} (${python} -c 'import ${peer.module}' failed: ${last}): reinstall ${peer.apt}`;
}

/** Why no nats-server binary can be found, as the one line to print; null when one is there. */
export function natsServerProblem(bench: string, find: () => string = () => findNatsServerBinary()): string | null {
  try {
    find();
    return null;
  } catch {
    return `${bench} needs nats-server: apt-get install -y nats-server (or set NATS_SERVER_BIN=/path/to/nats-server)`;
  }
}

/** Prints the problems (one line each) and exits 2 when there are any. */
export function exitIfMissing(...problems: Array<string | null>): void {
  const lines = problems.filter((p): p is string => p !== null);
  if (lines.length === 0) return;
  process.stderr.write(lines.join('\n') + '\n');
  process.exit(2);
}
