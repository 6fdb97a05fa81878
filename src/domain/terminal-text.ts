/**
 * Text that a program, a worker or a record wrote, made safe to print on a terminal.
 *
 * A trial program's stderr lands in `record.error`, and a worker may write any record: their text must never drive
 * the operator's terminal (set its title, clear the screen, move the cursor, rewrite what a line shows, paste on
 * the operator's behalf through OSC 52, or reorder it with bidi overrides, "Trojan Source"). So:
 * - complete escape sequences (CSI `ESC [ … final`, OSC `ESC ] … BEL|ST`, DCS/SOS/PM/APC `ESC P|X|^|_ … ST`, other
 *   `ESC` + intermediates + final, and their 8-bit C1 forms) are removed: they format or control, they hold no
 *   text (a coloured traceback reads as the same traceback without its colours);
 * - CR LF and a lone CR become a line break (a CR alone would let later text overwrite earlier text);
 * - every other C0 control but tab and line feed, DEL, every C1 control, a stray `ESC`, and the bidi and
 *   invisible format characters are made visible as `\xNN` / `\uNNNN`, so the reader sees that something was there.
 * With `multiline: false` (the default: a table cell, a one-line summary), tab, line feed, CR and the Unicode
 * line and paragraph separators become a space instead.
 *
 * Pure; every printer of stored text goes through it (status, leaderboard tables, the live progress block, the
 * closing error line, human log lines).
 */
export function terminalSafe(text: string, opts: { multiline?: boolean } = {}): string {
  const multiline = opts.multiline === true;
  const stripped = text.replace(ESCAPE_SEQUENCE, '').replace(/\r\n?/g, '\n');
  return stripped.replace(UNSAFE_CHAR, (c) => {
    if (c === '\n' || c === '\t' || c === '\u2028' || c === '\u2029') return multiline ? (c === '\t' ? '\t' : '\n') : ' ';
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * A JSON text (a log line) made terminal-safe without changing what it parses to: JSON.stringify already escapes
 * C0, but writes DEL, C1 and the bidi and invisible format characters as they are. They can only be inside strings,
 * so each becomes its `\uNNNN` escape there.
 */
export function jsonTerminalSafe(json: string): string {
  return json.replace(JSON_UNESCAPED, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const JSON_UNESCAPED = /[\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u2028\u2029]/g;

// 7-bit: ESC [ params intermediates final | ESC ] … (BEL | ESC \) | ESC P/X/^/_ … ST | ESC intermediates final.
// 8-bit: CSI (0x9b) params intermediates final | OSC (0x9d) … (BEL | ST) | DCS/SOS/PM/APC (0x90/0x98/0x9e/0x9f) … ST.
// An unterminated string sequence is not matched whole: its two-byte introducer goes (as `ESC` + final) and the
// rest stays text; a lone 8-bit introducer is made visible below.
const ESCAPE_SEQUENCE = new RegExp(
  [
    '\\x1b\\[[\\x30-\\x3f]*[\\x20-\\x2f]*[\\x40-\\x7e]',
    '\\x1b\\][^\\x07\\x1b\\x9c]*(?:\\x07|\\x1b\\\\|\\x9c)',
    '\\x1b[PX^_][^\\x07\\x1b\\x9c]*(?:\\x07|\\x1b\\\\|\\x9c)',
    '\\x1b[\\x20-\\x2f]*[\\x30-\\x7e]',
    '\\x9b[\\x30-\\x3f]*[\\x20-\\x2f]*[\\x40-\\x7e]',
    '[\\x9d\\x90\\x98\\x9e\\x9f][^\\x07\\x1b\\x9c]*(?:\\x07|\\x1b\\\\|\\x9c)',
  ].join('|'),
  'g',
);

// C0 (tab and LF handled by mode), DEL, C1; Arabic letter mark, zero-width and directional marks, bidi embeddings,
// overrides and isolates, word joiner and invisible operators, BOM; line and paragraph separators.
// eslint-disable-next-line no-control-regex
const UNSAFE_CHAR = /[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u2028\u2029]/g;
