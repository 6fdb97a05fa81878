import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonTerminalSafe, terminalSafe } from '../../src/domain/terminal-text.js';
import { csvField } from '../../src/report/render/render-csv.js';
import { renderTextTable } from '../../src/report/render/text-table.js';
import { formatLogLine } from '../../src/log.js';

/** Nothing a terminal acts on: no C0 but tab/LF, no DEL, no C1, no bidi or invisible format character. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u2028\u2029]/;

test('terminalSafe: escape sequences go whole, the text around them stays', () => {
  assert.equal(terminalSafe('a\x1b]0;pwned\x07b\x1b[2Jc'), 'abc', 'OSC title (BEL) and CSI clear screen');
  assert.equal(terminalSafe('\x1b[1;31mError\x1b[0m: boom'), 'Error: boom', 'SGR colours');
  assert.equal(terminalSafe('x\x1b]52;c;cGF3bmVk\x1b\\y'), 'xy', 'OSC 52 clipboard, ST-terminated');
  assert.equal(terminalSafe('x\x1bP1$r\x1b\\y'), 'xy', 'DCS');
  assert.equal(terminalSafe('x\x1b_apc\x9cy'), 'xy', 'APC with an 8-bit ST');
  assert.equal(terminalSafe('x\x1b7\x1b(By'), 'xy', 'two-byte and charset sequences');
  assert.equal(terminalSafe('x\x9b2Jy\x9d0;t\x07z'), 'xyz', '8-bit CSI and OSC');
  assert.equal(terminalSafe('a\x1b]0;never ends'), 'a0;never ends', 'an unterminated OSC loses its introducer only');
});

test('terminalSafe: other controls are made visible; line breaks depend on the mode', () => {
  assert.equal(terminalSafe('bell\x07 nul\x00 del\x7f c1\x85 esc\x1b'), 'bell\\x07 nul\\x00 del\\x7f c1\\x85 esc\\x1b');
  assert.equal(terminalSafe('safe\u202e\u2066txt.exe\u2069\u200b'), 'safe\\u202e\\u2066txt.exe\\u2069\\u200b', 'bidi overrides, isolates, zero width');
  assert.equal(terminalSafe('one\ntwo\tthree\r\nfour\rfive\u2028six'), 'one two three four five six', 'one line by default');
  assert.equal(terminalSafe('one\ntwo\tthree\r\nfour\rfive\u2028six', { multiline: true }), 'one\ntwo\tthree\nfour\nfive\nsix', 'CR cannot overwrite a line');
  assert.equal(terminalSafe('plain text, ünïcödé, 日本, emoji 🎉 — ±'), 'plain text, ünïcödé, 日本, emoji 🎉 — ±', 'printable text is untouched');
});

test('terminalSafe: no input leaves a control character, and the result is stable', () => {
  // Every code point below 0x100 and the dangerous format characters, in every order of three.
  const alphabet = [...Array.from({ length: 0x100 }, (_, i) => String.fromCharCode(i)), '\u202e', '\u2066', '\u200f', '\ufeff', '[', ']', '\\', 'P', '_'];
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  for (let i = 0; i < 20_000; i++) {
    const input = Array.from({ length: 1 + (next() % 12) }, () => alphabet[next() % alphabet.length]!).join('');
    for (const multiline of [false, true]) {
      const out = terminalSafe(input, { multiline });
      assert.doesNotMatch(out, CONTROL, JSON.stringify(input));
      if (!multiline) assert.doesNotMatch(out, /[\n\t]/, JSON.stringify(input));
      assert.equal(terminalSafe(out, { multiline }), out, `idempotent on ${JSON.stringify(input)}`);
    }
  }
});

test('the text table and human log lines go through it; the table keeps its own colours', () => {
  const table = renderTextTable([{ header: 'error', align: 'left' }], [[{ text: 'x\x1b]0;pwned\x07\x1b[2Jy\nz', style: 'red' }]], true);
  assert.equal(table.split('\n')[2], '\x1b[31mxy z\x1b[0m');
  assert.equal(formatLogLine(JSON.stringify({ level: 30, time: 0, msg: 'stderr: \x1b[2J\u009b1;1H' })).replace(/^\S+ /, ''), 'INFO  stderr: ');
  assert.equal(formatLogLine('native \x1b]0;t\x07warning\x07'), 'native warning\\x07');
});

test('jsonTerminalSafe: a JSON log line keeps its value and loses every raw C1 or bidi character', () => {
  const value = { msg: 'stderr: \x1b[2J \u009b2J \u202eevil\u2028next \x7f', n: 1 };
  const line = JSON.stringify(value) + '\n';
  assert.match(line, /\u009b/, 'JSON.stringify leaves C1 as it is');
  const safe = jsonTerminalSafe(line);
  assert.doesNotMatch(safe, CONTROL);
  assert.deepEqual(JSON.parse(safe), value, 'the same value');
  assert.ok(safe.endsWith('\n'));
});

test('csvField: a text cell that a spreadsheet would read as a formula gets a leading quote; numbers stay numbers', () => {
  assert.equal(csvField('=HYPERLINK("http://x","y")'), `"'=HYPERLINK(""http://x"",""y"")"`);
  assert.equal(csvField('+cmd'), "'+cmd");
  assert.equal(csvField('-2+3+cmd|\' /C calc\'!A0'), "'-2+3+cmd|' /C calc'!A0");
  assert.equal(csvField('@SUM(A1)'), "'@SUM(A1)");
  assert.equal(csvField('\t=1'), "'\t=1");
  assert.equal(csvField('\r=1'), `"'\r=1"`);
  assert.equal(csvField('a=b'), 'a=b', 'only the first character counts');
  assert.equal(csvField(-0.5), '-0.5');
  assert.equal(csvField(-3), '-3');
  assert.equal(csvField(1e-7), '1e-7');
  assert.equal(csvField('-0.5'), '-0.5', 'a number written as text');
  assert.equal(csvField('+1.5e-3'), '+1.5e-3');
  assert.equal(csvField('-.5'), '-.5');
  assert.equal(csvField('-'), "'-");
  assert.equal(csvField('-1-1'), "'-1-1");
  assert.equal(csvField(false), 'false');
});
