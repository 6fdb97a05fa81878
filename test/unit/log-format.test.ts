import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatLogLine } from '../../src/log.js';
import { logRouteFor } from '../../src/cli/log-routing.js';

test('formatLogLine: a pino JSON line becomes one short human line; other text passes through', () => {
  const time = new Date(2026, 10, 3, 12, 3, 4).getTime();
  const line = JSON.stringify({ level: 40, time, pid: 7, name: 'worker', workerId: 'w-1', attempt: 2, note: 'two words', err: { type: 'Error', message: 'boom', stack: 'Error: boom\n at x' }, msg: 'lease lost' });
  assert.equal(formatLogLine(line + '\n'), '12:03:04 WARN  worker: lease lost workerId=w-1 attempt=2 note="two words" err="boom"');
  assert.equal(formatLogLine("Warning: Couldn't load Vulkan\n"), "Warning: Couldn't load Vulkan");
});

test('logRouteFor: a terminal gets files (or human lines with --verbose); pipes and --json get JSON lines', () => {
  const base = { command: 'launch', stateDir: '.sweep', verbose: false, json: false, stderrIsTTY: true };
  assert.deepEqual(logRouteFor(base), { kind: 'file', path: '.sweep/logs/launch.log' });
  assert.deepEqual(logRouteFor({ ...base, verbose: true }), { kind: 'pretty' });
  assert.deepEqual(logRouteFor({ ...base, json: true }), { kind: 'json' });
  assert.deepEqual(logRouteFor({ ...base, stderrIsTTY: false, verbose: true }), { kind: 'json' });
});
