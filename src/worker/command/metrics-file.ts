import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { LineSplitter } from './line-splitter.js';

export const METRICS_POLL_MS = 150;

/**
 * Follows the file a program appends its epoch lines to (`$SWEEP_METRICS`): every METRICS_POLL_MS it reads what was
 * appended since, and hands each complete line on. The file need not exist until the program writes it.
 */
export class MetricsFileTail {
  private offset = 0;
  private readonly decoder = new StringDecoder('utf8');
  private readonly lines: LineSplitter;
  private timer: NodeJS.Timeout | null = null;
  private reading: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly path: string,
    onLine: (line: string) => void,
    private readonly onError: (err: unknown) => void,
  ) {
    this.lines = new LineSplitter(onLine);
  }

  start(): void {
    this.schedule();
  }

  /** Reads what is left (the program has exited) and flushes a last line without a newline. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.reading;
    await this.readNew().catch(this.onError);
    this.lines.push(this.decoder.end());
    this.lines.end();
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.reading = this.readNew()
        .catch(this.onError)
        .finally(() => {
          if (!this.closed) this.schedule();
        });
    }, METRICS_POLL_MS);
  }

  private async readNew(): Promise<void> {
    let file;
    try {
      file = await open(this.path, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    try {
      const buf = Buffer.alloc(64 * 1024);
      for (;;) {
        const { bytesRead } = await file.read(buf, 0, buf.length, this.offset);
        if (bytesRead === 0) return;
        this.offset += bytesRead;
        this.lines.push(this.decoder.write(buf.subarray(0, bytesRead)));
      }
    } finally {
      await file.close();
    }
  }
}
