import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { brokerSuite } from '../helpers/nats-server.js';
import { runCli } from '../helpers/cli.js';
import { anEpoch, launchIdleSweep, scratchDir, writeRecord } from './hostile-output-setup.js';

/** What a hostile program prints on stderr: set the terminal's title, then clear the screen. */
const PAYLOAD = '\x1b]0;pwned\x07\x1b[2J';
/** Any byte a terminal acts on: C0 but tab and LF, DEL, C1 (as code points), and the bidi overrides. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

describe('escape sequences in a trial error never reach the terminal (real nats-server, the sweep CLI)', () => {
  const broker = brokerSuite({ resources: true });

  test('sweep status and the leaderboard print the error without its escape sequences', async (t) => {
    const sweep = await launchIdleSweep(broker, 'hostile-error');
    // The program's stderr, as the worker records it (record.error), with a bidi override and a CR that would
    // overwrite the line; and a worker name and a param of the same kind on the other trial.
    await writeRecord(broker, sweep, 0, { status: 'FAILED', worker: null, error: `Traceback: boom${PAYLOAD} at line 3\r\u202eevil\u009b2J` });
    await writeRecord(broker, sweep, 1, { status: 'COMPLETED', worker: `w-1${PAYLOAD}`, params: { sleep_ms: `1${PAYLOAD}` }, epochs: [anEpoch(1, { val_loss: 0.25 })] });
    const { dir, remove } = scratchDir();
    t.after(remove);

    const status = await runCli(['status', sweep.id, '--nats', broker.url], { cwd: dir, timeoutMs: 120_000 });
    assert.equal(status.code, 0, status.stderr);
    assert.doesNotMatch(status.stdout, CONTROL, 'no control character in `sweep status`');
    assert.match(status.stdout, /Traceback: boom at line 3 \\u202eevil/, 'the text of the error is there, its escapes gone');
    assert.match(status.stdout, /sleep_ms=1 /, 'the param without its escapes');
    assert.ok(status.stdout.includes('w-1'), 'the worker without its escapes');

    for (const args of [['leaderboard', sweep.id], ['leaderboard', sweep.id, '--trials']]) {
      const lb = await runCli([...args, '--nats', broker.url], { cwd: dir, timeoutMs: 120_000 });
      assert.equal(lb.code, 0, lb.stderr);
      assert.doesNotMatch(lb.stdout, CONTROL, `no control character in \`sweep ${args.join(' ')}\``);
      assert.match(lb.stdout, /Traceback: boom at line 3 \\u202eevil/, `sweep ${args.join(' ')} shows the error`);
    }

    // The JSON output is for programs: it keeps the record as written (JSON escapes the controls).
    const json = await runCli(['status', sweep.id, '--nats', broker.url, '--json'], { cwd: dir, timeoutMs: 120_000 });
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout) as { trials: { error: string | null }[] };
    assert.ok(parsed.trials.some((r) => r.error?.includes(PAYLOAD)), 'status --json keeps the error as recorded');
  });
});
