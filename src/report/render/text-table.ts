import { terminalSafe } from '../../domain/terminal-text.js';

export type CellStyle = 'bold' | 'dim' | 'green' | 'yellow' | 'red';

export interface Cell {
  text: string;
  style?: CellStyle;
}

export interface Column {
  header: string;
  align: 'left' | 'right';
}

const ANSI: Record<CellStyle, string> = { bold: '1', dim: '2', green: '32', yellow: '33', red: '31' };

function paint(text: string, style: CellStyle | undefined, color: boolean): string {
  return color && style && text.trim() !== '' ? `\u001b[${ANSI[style]}m${text}\u001b[0m` : text;
}

/** Visible width in terminal columns (code points; the table contains no wide glyphs). */
function width(text: string): number {
  return [...text].length;
}

function pad(text: string, to: number, align: 'left' | 'right'): string {
  const fill = ' '.repeat(Math.max(0, to - width(text)));
  return align === 'left' ? text + fill : fill + text;
}

/**
 * Columns aligned by padding the plain text first, so colour codes never disturb the layout. Every header and
 * cell is made terminal-safe first (one line, no control or escape character: cells hold text that programs and
 * workers wrote); the only escape codes in the result are this table's own colours.
 */
export function renderTextTable(rawColumns: readonly Column[], rawRows: readonly Cell[][], color: boolean): string {
  const columns = rawColumns.map((c) => ({ ...c, header: terminalSafe(c.header) }));
  const rows = rawRows.map((r) => r.map((cell) => ({ ...cell, text: terminalSafe(cell.text) })));
  const widths = columns.map((c, i) => Math.max(width(c.header), ...rows.map((r) => width(r[i]?.text ?? ''))));
  const last = columns.length - 1;
  // A left-aligned last column is not padded: no trailing blanks, coloured or not.
  const padded = (cell: Cell, i: number): string =>
    i === last && columns[i]!.align === 'left' ? cell.text : pad(cell.text, widths[i]!, columns[i]!.align);
  const line = (cells: Cell[]): string => cells.map((cell, i) => paint(padded(cell, i), cell.style, color)).join('  ');
  const header = line(columns.map((c) => ({ text: c.header, style: 'bold' as const })));
  const rule = widths.map((w) => '─'.repeat(w)).join('  ');
  return [header, paint(rule, 'dim', color), ...rows.map(line)].join('\n');
}
