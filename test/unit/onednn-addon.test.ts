import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { ConvKind, type OnednnAddon } from '../../src/training/backends/onednn/addon.js';
import { ONEDNN_LAYOUTS } from '../../src/training/backends/onednn/settings.js';
import { randomHost, relativeError } from './wasm-parity-helpers.js';
import { onednnForTests, skipWithoutOnednn } from './onednn-helpers.js';

/** A small convolution with every geometry feature: non-square kernel and strides, asymmetric padding. */
const G = { n: 2, h: 7, w: 6, ci: 3, co: 4, kh: 3, kw: 2, sh: 2, sw: 1, top: 1, left: 0, bottom: 1, right: 1 };
const OH = Math.floor((G.h - G.kh + G.top + G.bottom) / G.sh) + 1;
const OW = Math.floor((G.w - G.kw + G.left + G.right) / G.sw) + 1;
const geometry = Int32Array.from([G.n, G.h, G.w, G.ci, G.co, G.kh, G.kw, OH, OW, G.sh, G.sw, G.top, G.left, G.bottom, G.right]);

const xAt = (n: number, h: number, w: number, c: number) => ((n * G.h + h) * G.w + w) * G.ci + c;
const yAt = (n: number, h: number, w: number, c: number) => ((n * OH + h) * OW + w) * G.co + c;
const fAt = (a: number, b: number, i: number, o: number) => ((a * G.kw + b) * G.ci + i) * G.co + o;

/** Calls body(n, oh, ow, a, b, ih, iw) for every tap that lands inside the input. */
function forEachTap(body: (n: number, oh: number, ow: number, a: number, b: number, ih: number, iw: number) => void): void {
  for (let n = 0; n < G.n; n++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++)
        for (let a = 0; a < G.kh; a++)
          for (let b = 0; b < G.kw; b++) {
            const ih = oh * G.sh + a - G.top;
            const iw = ow * G.sw + b - G.left;
            if (ih >= 0 && ih < G.h && iw >= 0 && iw < G.w) body(n, oh, ow, a, b, ih, iw);
          }
}

/** Direct float64 sums: the independent reference. */
const reference = {
  forward(x: Float32Array, f: Float32Array, bias: Float32Array | null, relu: boolean): Float64Array {
    const y = new Float64Array(G.n * OH * OW * G.co);
    forEachTap((n, oh, ow, a, b, ih, iw) => {
      for (let i = 0; i < G.ci; i++) for (let o = 0; o < G.co; o++) y[yAt(n, oh, ow, o)]! += x[xAt(n, ih, iw, i)]! * f[fAt(a, b, i, o)]!;
    });
    for (let at = 0; at < y.length; at++) {
      const v = y[at]! + (bias ? bias[at % G.co]! : 0);
      y[at] = relu ? Math.max(v, 0) : v;
    }
    return y;
  },
  backwardData(dy: Float32Array, f: Float32Array): Float64Array {
    const dx = new Float64Array(G.n * G.h * G.w * G.ci);
    forEachTap((n, oh, ow, a, b, ih, iw) => {
      for (let i = 0; i < G.ci; i++) for (let o = 0; o < G.co; o++) dx[xAt(n, ih, iw, i)]! += dy[yAt(n, oh, ow, o)]! * f[fAt(a, b, i, o)]!;
    });
    return dx;
  },
  backwardWeights(x: Float32Array, dy: Float32Array): Float64Array {
    const df = new Float64Array(G.kh * G.kw * G.ci * G.co);
    forEachTap((n, oh, ow, a, b, ih, iw) => {
      for (let i = 0; i < G.ci; i++) for (let o = 0; o < G.co; o++) df[fAt(a, b, i, o)]! += x[xAt(n, ih, iw, i)]! * dy[yAt(n, oh, ow, o)]!;
    });
    return df;
  },
};

/** Tensors at fixed byte offsets of one heap, with NaN between and after them. */
function makeHeap() {
  const heap = new ArrayBuffer(1 << 16);
  new Float32Array(heap).fill(NaN);
  const place = (offset: number, values: Float32Array) => {
    new Float32Array(heap, offset, values.length).set(values);
    return offset;
  };
  const x = randomHost([G.n, G.h, G.w, G.ci], 1).data;
  const f = randomHost([G.kh, G.kw, G.ci, G.co], 2).data;
  const dy = randomHost([G.n, OH, OW, G.co], 3).data;
  const bias = randomHost([G.co], 4).data;
  return { heap, x, f, dy, bias, at: { x: place(0, x), f: place(4096, f), dy: place(8192, dy), bias: place(12288, bias), out: 16384 } };
}

const read = (heap: ArrayBuffer, offset: number, count: number) => new Float32Array(heap, offset, count).slice();

function runAll(addon: OnednnAddon) {
  const h = makeHeap();
  addon.conv(ConvKind.forward, h.heap, h.at.x, h.at.f, h.at.bias, h.at.out, geometry, 1, 0);
  const y = read(h.heap, h.at.out, G.n * OH * OW * G.co);
  addon.conv(ConvKind.backwardData, h.heap, h.at.dy, h.at.f, -1, h.at.out + 8192, geometry, 0, 0);
  const dx = read(h.heap, h.at.out + 8192, G.n * G.h * G.w * G.ci);
  addon.conv(ConvKind.backwardWeights, h.heap, h.at.x, h.at.dy, -1, h.at.out + 16384, geometry, 0, 0);
  const df = read(h.heap, h.at.out + 16384, G.kh * G.kw * G.ci * G.co);
  return { h, y, dx, df };
}

describe('oneDNN addon (direct calls on an ArrayBuffer)', () => {
  const defaults = () => {
    const load = onednnForTests();
    assert.ok(load.ok);
    return load.addon;
  };
  after(() => {
    const load = onednnForTests(); // restores the default settings
    if (load.ok) assert.equal(load.addon.info().threads, 1);
  });

  for (const layout of Object.keys(ONEDNN_LAYOUTS) as Array<keyof typeof ONEDNN_LAYOUTS>) {
    test(`layout '${layout}': forward (+ bias + relu), backward data and backward weights match direct sums`, (t) => {
      if (skipWithoutOnednn(t)) return;
      const addon = defaults();
      addon.configure(1, ONEDNN_LAYOUTS[layout]);
      assert.equal(addon.info().layout, ONEDNN_LAYOUTS[layout]);
      const { h, y, dx, df } = runAll(addon);
      const yRef = reference.forward(h.x, h.f, h.bias, true);
      assert.ok(yRef.some((v) => v === 0) && yRef.some((v) => v > 0), 'relu clips some outputs');
      assert.ok(relativeError(y, yRef) <= 1e-6, `forward: ${relativeError(y, yRef)}`);
      assert.ok(relativeError(dx, reference.backwardData(h.dy, h.f)) <= 1e-6, 'backward data');
      assert.ok(relativeError(df, reference.backwardWeights(h.x, h.dy)) <= 1e-6, 'backward weights');
      assert.ok(Number.isNaN(new Float32Array(h.heap, h.at.out)[G.n * OH * OW * G.co]!), 'nothing written past the output');
      t.diagnostic(`${layout}: ${[ConvKind.forward, ConvKind.backwardData, ConvKind.backwardWeights].map((k) => addon.implementation(k, geometry, false, 0, 0)).join(', ')}`);
    });
  }

  test('primitives are created once per shape and cached', (t) => {
    if (skipWithoutOnednn(t)) return;
    const addon = defaults();
    const h = makeHeap();
    const g = Int32Array.from(geometry);
    g[0] = 1; // a batch size no other test uses
    const plans = addon.info().plans;
    addon.conv(ConvKind.forward, h.heap, h.at.x, h.at.f, -1, h.at.out, g, 0, 0);
    assert.equal(addon.info().plans, plans + 1);
    addon.conv(ConvKind.forward, h.heap, h.at.x, h.at.f, -1, h.at.out, g, 0, 0);
    addon.conv(ConvKind.forward, h.heap, h.at.x, h.at.f, -1, h.at.out, g, 0, 0);
    assert.equal(addon.info().plans, plans + 1);
    addon.conv(ConvKind.forward, h.heap, h.at.x, h.at.f, h.at.bias, h.at.out, g, 1, 0);
    assert.equal(addon.info().plans, plans + 2, 'bias and activation are part of the key');
  });

  test('the OpenMP thread count follows configure() and 2 threads give the same results', (t) => {
    if (skipWithoutOnednn(t)) return;
    const addon = defaults();
    const one = runAll(addon);
    addon.configure(2, ONEDNN_LAYOUTS['any-weights']);
    assert.equal(addon.info().threads, 2);
    const two = runAll(addon);
    addon.configure(1, ONEDNN_LAYOUTS['any-weights']);
    assert.equal(addon.info().threads, 1);
    assert.ok(relativeError(two.y, one.y) <= 1e-6 && relativeError(two.dx, one.dx) <= 1e-6 && relativeError(two.df, one.df) <= 1e-6);
  });

  test('bad arguments throw instead of touching memory', (t) => {
    if (skipWithoutOnednn(t)) return;
    const addon = defaults();
    const h = makeHeap();
    const conv = (heap: unknown, out: number, g = geometry, kind: number = ConvKind.forward) =>
      addon.conv(kind as ConvKind, heap as ArrayBuffer, h.at.x, h.at.f, -1, out, g, 0, 0);
    assert.throws(() => conv(h.heap, h.heap.byteLength - 8), /out: offset .* outside the heap/);
    assert.throws(() => conv(h.heap, 2), /misaligned/);
    assert.throws(() => conv(new Float32Array(4), 0), /ArrayBuffer/);
    const inconsistent = Int32Array.from(geometry);
    inconsistent[7] = OH + 1;
    assert.throws(() => conv(h.heap, h.at.out, inconsistent), /output size does not follow/);
    assert.throws(() => conv(h.heap, h.at.out, geometry.subarray(1)), /Int32Array of length 15/);
    assert.throws(() => conv(h.heap, h.at.out, geometry, 3), /kind must be/);
    assert.throws(() => addon.conv(ConvKind.backwardData, h.heap, h.at.dy, h.at.f, h.at.bias, h.at.out, geometry, 0, 0), /forward convolution only/);
    assert.throws(() => addon.configure(0, 1), /threads must be/);
  });
});
