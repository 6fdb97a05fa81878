import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { freePort, freePorts } from '../../src/transport/free-port.js';

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', () => resolve(srv));
  });
}

const closeAll = (servers: Server[]) => Promise.all(servers.map((s) => new Promise((r) => s.close(r))));

describe('freePorts', () => {
  test('returns n distinct ports, every one bindable on 127.0.0.1 at once', async () => {
    const ports = await freePorts(8);
    assert.equal(ports.length, 8);
    assert.equal(new Set(ports).size, 8, `distinct: ${ports.join(', ')}`);
    for (const p of ports) assert.ok(Number.isInteger(p) && p > 0 && p < 65536, `a TCP port: ${p}`);
    const bound = await Promise.all(ports.map(listen));
    await closeAll(bound);
  });

  test('concurrent callers never share a port', async () => {
    // 10 callers asking 50 times each, so that one releases ports while others choose: 2,000 ports, among which
    // the OS's random answers would repeat one with near certainty unless handed-out ports are remembered.
    const caller = async () => {
      const mine: number[] = [];
      for (let i = 0; i < 50; i++) mine.push(...(await freePorts(4)));
      return mine;
    };
    const all = (await Promise.all(Array.from({ length: 10 }, caller))).flat();
    assert.equal(all.length, 2_000);
    assert.equal(new Set(all).size, 2_000, 'a port was handed out twice');
  });

  test('freePort never hands out a port twice in a row of 1,000 calls', async () => {
    const seen = new Set<number>();
    for (let i = 0; i < 1_000; i++) {
      const p = await freePort();
      assert.ok(!seen.has(p), `port ${p} handed out again at call ${i + 1}`);
      seen.add(p);
    }
  });

  test('zero ports is an empty list; a negative or fractional count is a RangeError', async () => {
    assert.deepEqual(await freePorts(0), []);
    await assert.rejects(freePorts(-1), RangeError);
    await assert.rejects(freePorts(1.5), RangeError);
  });
});
