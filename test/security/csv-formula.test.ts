import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { brokerSuite } from '../helpers/nats-server.js';
import { runCli } from '../helpers/cli.js';
import { anEpoch, launchIdleSweep, scratchDir, writeRecord } from './hostile-output-setup.js';

/** A formula that a spreadsheet runs when it opens the CSV (DDE). */
const FORMULA = `=cmd|' /C calc'!A0`;

/** One CSV line split into its fields (RFC 4180 quoting). */
function fields(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(field);
      field = '';
    }
    else field += c;
  }
  out.push(field);
  return out;
}

describe('a CSV formula in a param or an error is neutralized in `sweep leaderboard --csv` (real nats-server, the sweep CLI)', () => {
  const broker = brokerSuite({ resources: true });

  test('text cells that start with = + - @ get a leading quote; negative numbers stay numbers', async (t) => {
    const sweep = await launchIdleSweep(broker, 'csv-formula');
    await writeRecord(broker, sweep, 0, { status: 'FAILED', params: { sleep_ms: '+SUM(1,2)' }, error: `@${FORMULA}` });
    await writeRecord(broker, sweep, 1, { status: 'COMPLETED', params: { sleep_ms: FORMULA }, epochs: [anEpoch(1, { val_loss: -0.5, val_accuracy: -0.25 })] });
    const { dir, remove } = scratchDir();
    t.after(remove);

    const res = await runCli(['leaderboard', sweep.id, '--nats', broker.url, '--csv', '--trials'], { cwd: dir, timeoutMs: 120_000 });
    assert.equal(res.code, 0, res.stderr);
    const [header, ...rows] = res.stdout.trimEnd().split('\r\n').map(fields);
    assert.ok(header && rows.length === 2, res.stdout);
    const col = (name: string) => {
      const i = header.indexOf(name);
      assert.ok(i >= 0, `column ${name} in ${header.join(',')}`);
      return rows.map((r) => r[i]);
    };
    assert.deepEqual(col('sleep_ms').sort(), [`'${FORMULA}`, "'+SUM(1,2)"].sort(), `params are neutralized:\n${res.stdout}`);
    assert.ok(col('error').includes(`'@${FORMULA}`), 'the error is neutralized');
    assert.ok(col('val_loss').includes('-0.5'), 'a negative number stays a number');
    assert.ok(col('objective').includes('-0.5'));
    assert.ok(col('val_accuracy').includes('-0.25'));
    for (const row of rows) for (const cell of row) assert.doesNotMatch(cell, /^[=+@\t\r]|^-(?![\d.])/, `no cell a spreadsheet reads as a formula: ${JSON.stringify(cell)}`);
  });
});
