/** Longer lines are cut here (the rest up to the newline is dropped), so a line that never ends cannot grow without bound. */
export const MAX_LINE_CHARS = 64 * 1024;

/** Splits a stream of text chunks into lines (`\n`, `\r\n`); `end()` flushes a last line without a newline. */
export class LineSplitter {
  private partial = '';
  private dropping = false;

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: string): void {
    let start = 0;
    for (let nl = chunk.indexOf('\n'); nl >= 0; nl = chunk.indexOf('\n', start)) {
      this.append(chunk.slice(start, nl));
      this.emit();
      start = nl + 1;
    }
    this.append(chunk.slice(start));
  }

  end(): void {
    if (this.partial !== '' || this.dropping) this.emit();
  }

  private append(text: string): void {
    if (this.dropping) return;
    this.partial += text;
    if (this.partial.length > MAX_LINE_CHARS) {
      this.partial = this.partial.slice(0, MAX_LINE_CHARS);
      this.dropping = true;
    }
  }

  private emit(): void {
    const line = this.partial.endsWith('\r') ? this.partial.slice(0, -1) : this.partial;
    this.partial = '';
    this.dropping = false;
    this.onLine(line);
  }
}
