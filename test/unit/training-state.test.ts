import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeContainer, encodeContainer, sha256Hex } from '../../src/training/state/container.js';

describe('training state container', () => {
  test('round-trips metadata (NaN and ±Infinity included) and tensors exactly', () => {
    const meta = { epoch: 3, best: Infinity, worst: -Infinity, auc: NaN, name: 'x', nested: [{ a: 1.5 }] };
    const tensors = [
      { name: 'a', shape: [2, 2], data: new Float32Array([1, -2.5, 3e-38, Math.fround(0.1)]) },
      { name: 'empty', shape: [0], data: new Float32Array(0) },
      { name: 'b', shape: [3], data: new Float32Array([NaN, Infinity, -0]) },
    ];
    const decoded = decodeContainer(encodeContainer(meta, tensors));
    assert.deepEqual(decoded.meta, meta);
    assert.deepEqual(decoded.tensors, tensors);
  });

  test('the same content gives the same bytes and sha256', () => {
    const make = () => encodeContainer({ k: 1 }, [{ name: 't', shape: [1], data: new Float32Array([2]) }]);
    assert.equal(sha256Hex(make()), sha256Hex(make()));
    assert.match(sha256Hex(make()), /^[0-9a-f]{64}$/);
  });

  test('bad bytes give clear errors', () => {
    assert.throws(() => decodeContainer(new Uint8Array(3)), /only 3 bytes/);
    assert.throws(() => decodeContainer(new TextEncoder().encode('NOPE00000000')), /bad magic 'NOPE'/);
    const bytes = encodeContainer({}, []);
    new DataView(bytes.buffer).setUint32(4, 99, true);
    assert.throws(() => decodeContainer(bytes), /format version 99, this build reads version 1/);
    const truncated = encodeContainer({}, [{ name: 't', shape: [4], data: new Float32Array(4) }]).subarray(0, -4);
    assert.throws(() => decodeContainer(truncated), /tensor 't' runs past the end/);
  });
});
