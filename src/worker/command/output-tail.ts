/** The last `maxLines` lines of a stream (each at most `maxLineChars`), for error messages. */
export class OutputTail {
  private readonly lines: string[] = [];

  constructor(
    private readonly maxLines = 50,
    private readonly maxLineChars = 2_000,
  ) {}

  push(line: string): void {
    this.lines.push(line.length > this.maxLineChars ? `${line.slice(0, this.maxLineChars)}…` : line);
    if (this.lines.length > this.maxLines) this.lines.shift();
  }

  /** The last `n` lines, joined; '' when there are none. */
  last(n: number): string {
    return this.lines.slice(-n).join('\n');
  }
}
