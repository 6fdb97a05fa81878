import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { formatLogLine, noteWarnings } from '../log.js';

const POLL_MS = 300;
const PINO_WARN = 40;

/**
 * Reads what local workers append to their log files while `launch` or `attach` runs (workers always log to files:
 * they may outlive the coordinator, and a pipe to it would break then). With `echo`, each new line is printed on
 * stderr in human form (`--verbose` on a terminal). `stop()` reads the rest and records, for the closing line, how
 * many entries at warn or above each file got during this run.
 */
export class WorkerLogs {
  private readonly offsets: number[];
  private readonly partial: string[];
  private readonly warnings: number[];
  private readonly timer: NodeJS.Timeout | null;

  constructor(
    private readonly files: string[],
    private readonly echo: boolean,
  ) {
    this.offsets = files.map(sizeOf);
    this.partial = files.map(() => '');
    this.warnings = files.map(() => 0);
    this.timer = echo ? setInterval(() => this.readAll(), POLL_MS) : null;
    this.timer?.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.readAll();
    this.files.forEach((f, i) => noteWarnings(f, this.warnings[i] ?? 0));
  }

  private readAll(): void {
    this.files.forEach((_, i) => this.readNew(i));
  }

  private readNew(i: number): void {
    const file = this.files[i]!;
    const from = this.offsets[i]!;
    const size = sizeOf(file);
    if (size <= from) return;
    const buf = Buffer.alloc(size - from);
    const fd = openSync(file, 'r');
    try {
      readSync(fd, buf, 0, buf.length, from);
    } finally {
      closeSync(fd);
    }
    this.offsets[i] = size;
    const lines = (this.partial[i] + buf.toString('utf8')).split('\n');
    this.partial[i] = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') continue;
      if (levelOf(line) >= PINO_WARN) this.warnings[i]!++;
      if (this.echo) process.stderr.write(formatLogLine(line) + '\n');
    }
  }
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** The pino level of a JSON log line (0 for anything else). */
function levelOf(line: string): number {
  const m = /^\{"level":(\d+)/.exec(line);
  return m ? Number(m[1]) : 0;
}
