import { pino, type DestinationStream, type Logger } from 'pino';
import { jsonTerminalSafe, terminalSafe } from './domain/terminal-text.js';

export type { Logger };

/**
 * Where this process's log lines go. Every logger writes through one process-wide sink, so a command can choose the
 * destination after modules created their loggers (see `routeLogs`):
 * - `json` (the default): one JSON line per entry on stderr (stdout is for results: tables, JSON, CSV);
 * - `file`: the same JSON lines appended to a file, nothing on the terminal;
 * - `pretty`: short human lines on stderr (`formatLogLine`).
 */
export type LogRoute = { kind: 'json' } | { kind: 'file'; path: string } | { kind: 'pretty' };

let route: LogRoute = { kind: 'json' };
// Synchronous destinations (sonic-boom, which retries a full pipe), so no line is lost when the process exits
// right after it; each is opened at its first line.
let stderr: DestinationStream | null = null;
let file: { path: string; dest: DestinationStream } | null = null;
let warnings = 0;
/** Other log files (e.g. local workers') with entries at warn or above, as counted by their readers. */
const otherWarnings = new Map<string, number>();

const PINO_WARN = 40;

/** Sends the log lines of this process to `next` from now on (in file mode, the file is opened at the first line). */
export function routeLogs(next: LogRoute): void {
  route = next;
  file = null;
  warnings = 0;
}

export function currentLogRoute(): LogRoute {
  return route;
}

/** Records that another process's log file got `count` entries at warn or above (shown by `logSummary`). */
export function noteWarnings(file: string, count: number): void {
  if (count > 0) otherWarnings.set(file, (otherWarnings.get(file) ?? 0) + count);
}

/**
 * The file this process logs to (file mode; else null), and every log file with entries at warn or above since
 * the start: this process's own (file mode) and those given to `noteWarnings`.
 */
export function logSummary(): { file: string | null; warned: { file: string; count: number }[] } {
  const own = route.kind === 'file' && warnings > 0 ? [{ file: route.path, count: warnings }] : [];
  return { file: route.kind === 'file' ? route.path : null, warned: [...own, ...[...otherWarnings].map(([file, count]) => ({ file, count }))] };
}

function fileDestination(path: string): DestinationStream {
  if (file?.path !== path) file = { path, dest: pino.destination({ dest: path, sync: true, append: true, mkdir: true }) };
  return file.dest;
}

/** The one pino destination of every logger: it forwards each line to the current route. */
const sink: DestinationStream = {
  write(line: string): void {
    if (route.kind === 'file') return void fileDestination(route.path).write(line);
    stderr ??= pino.destination({ fd: 2, sync: true });
    stderr.write(route.kind === 'pretty' ? formatLogLine(line) + '\n' : jsonTerminalSafe(line));
  },
};

/**
 * Structured logs (see `LogRoute` for where they go). Level from SWEEP_LOG_LEVEL (default info). Pass a failure
 * as the Error itself under `err` (not its message): the serializer keeps its type, message, stack and causes.
 */
export function createLogger(name: string, level = process.env.SWEEP_LOG_LEVEL ?? 'info'): Logger {
  return pino(
    {
      name,
      level,
      base: { pid: process.pid },
      serializers: { err: pino.stdSerializers.err },
      hooks: {
        logMethod(args, method, lvl) {
          if (lvl >= PINO_WARN) warnings++;
          method.apply(this, args);
        },
      },
    },
    sink,
  );
}

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** Fields every line carries; the human form leaves them out (the time and level lead the line). */
const OMITTED = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'name']);

/**
 * One pino JSON line as a short human line: `12:03:04 WARN  worker: message key=value …`. An `err` shows its
 * message only. Anything that is not a JSON object (e.g. a native library's own warning) is returned as it is. The
 * line is for a terminal and may quote what a program or a worker wrote: it is terminal-safe (no control or escape
 * character; line breaks kept).
 */
export function formatLogLine(line: string): string {
  return terminalSafe(humanLine(line.trimEnd()), { multiline: true });
}

function humanLine(text: string): string {
  let entry: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return text;
    entry = parsed as Record<string, unknown>;
  } catch {
    return text;
  }
  const time = typeof entry.time === 'number' ? new Date(entry.time).toTimeString().slice(0, 8) : '--:--:--';
  const level = (typeof entry.level === 'number' ? LEVEL_NAMES[entry.level] : undefined) ?? JSON.stringify(entry.level ?? '?');
  const fields = Object.entries(entry)
    .filter(([k]) => !OMITTED.has(k))
    .map(([k, v]) => `${k}=${fieldText(k, v)}`);
  const name = typeof entry.name === 'string' ? `${entry.name}: ` : '';
  return [`${time} ${level.padEnd(5)} ${name}${typeof entry.msg === 'string' ? entry.msg : ''}`, ...fields].join(' ');
}

function fieldText(key: string, v: unknown): string {
  if (key === 'err' && v && typeof v === 'object' && 'message' in v) return JSON.stringify(v.message);
  if (typeof v === 'string') return /[\s"=]/.test(v) || v === '' ? JSON.stringify(v) : v;
  return JSON.stringify(v);
}

/** Normalizes anything thrown into an Error (graphile-worker's coerceError). */
export function coerceError(e: unknown): Error {
  if (e instanceof Error) return e;
  return new Error(typeof e === 'string' ? e : JSON.stringify(e));
}
