import { join, relative } from 'node:path';
import { createLogger, logSummary, routeLogs, type LogRoute } from '../log.js';
import { ensureStateDir } from './state-dir.js';

/**
 * Where a command's log lines go. A person reads the terminal: when stderr is a TTY (logs and progress share
 * stderr; stdout may be piped for results) and the command has no `--json`, the terminal shows only progress and
 * tables, and the logs go to `<state dir>/logs/<command>.log`; with `--verbose` they are printed on stderr as
 * short human lines instead. Otherwise (stderr redirected, or `--json`) they stay JSON lines on stderr.
 */
export function logRouteFor(opts: { command: string; stateDir: string; verbose: boolean; json: boolean; stderrIsTTY: boolean }): LogRoute {
  if (!opts.stderrIsTTY || opts.json) return { kind: 'json' };
  if (opts.verbose) return { kind: 'pretty' };
  return { kind: 'file', path: join(opts.stateDir, 'logs', `${opts.command}.log`) };
}

/** Routes this process's logs; log files go into the state dir, which is made private first (state-dir.ts). */
export function applyLogRoute(opts: Parameters<typeof logRouteFor>[0]): void {
  const route = logRouteFor(opts);
  routeLogs(route);
  if (route.kind === 'file') ensureStateDir(opts.stateDir, createLogger('sweep'));
}

/** One line naming the log files that got warnings or errors while logs went to files (null when none did). */
export function loggedWarningsLine(): string | null {
  const { file, warned } = logSummary();
  if (file === null || warned.length === 0) return null;
  const total = warned.reduce((n, w) => n + w.count, 0);
  const shown = warned.map((w) => {
    const rel = relative(process.cwd(), w.file);
    return rel && !rel.startsWith('..') ? rel : w.file;
  });
  return `${total} warning(s) or error(s) logged; see ${shown.join(', ')}\n`;
}
