import * as tf from '@tensorflow/tfjs';
import type { OnnxCheck } from '../domain/onnx.js';
import { OrtClassifier } from './ort-session.js';
import { imagesPerSecond, percentile, timeRuns } from './timing.js';

export interface VerifyOptions {
  /** Images compared (the first ones); default 1,000 (all when fewer). */
  maxImages?: number;
  /** Timed batch-1 runs per runtime after warm-up; default 50. */
  latencyRuns?: number;
  warmupRuns?: number;
  /** Batch sizes for throughput; default [1, 64, 256]. */
  throughputBatches?: number[];
  /** Minimum timed milliseconds per throughput point (at least one timed batch after a warm-up); default 500. */
  throughputMinMs?: number;
  /** ORT intra-op threads; default 1 (like tfjs cpu/wasm under Node); 0 = all cores. */
  ortThreads?: number;
  maxAbsDiff?: number;
  minTop1Agreement?: number;
}

export interface ThroughputPoint {
  batch: number;
  ortImagesPerSec: number;
  tfjsImagesPerSec: number;
}

export interface OnnxVerification extends OnnxCheck {
  images: number;
  tfjsBackend: string;
  ortThreads: number;
  tfjsP99Ms: number;
  /** Accuracy of each runtime on the compared images, when labels were given. */
  tfjsAccuracy?: number;
  ortAccuracy?: number;
  throughput: ThroughputPoint[];
  /** Why `ok` is false (empty when ok). */
  failures: string[];
}

const DEFAULTS = { maxImages: 1000, latencyRuns: 50, warmupRuns: 5, throughputBatches: [1, 64, 256], throughputMinMs: 500, ortThreads: 1, maxAbsDiff: 1e-4, minTop1Agreement: 0.999 };
const PARITY_BATCH = 256;

/**
 * Checks an exported model against the tfjs model it came from (on the active tfjs backend): probabilities,
 * top-1 agreement and accuracy on the first `maxImages` images (NHWC float32, already normalized), then
 * batch-1 latency and throughput of both runtimes on this machine.
 */
export async function verifyOnnx(
  model: tf.LayersModel,
  onnxBytes: Uint8Array,
  images: Float32Array,
  shape: [number, number, number, number],
  labels?: Uint8Array,
  options: VerifyOptions = {},
): Promise<OnnxVerification> {
  const o = { ...DEFAULTS, ...options };
  const [total, h, w, c] = shape;
  const perImage = h * w * c;
  checkInputs(model, images, shape, labels);
  const n = Math.min(total, o.maxImages);
  if (n < 1) throw new Error('verifyOnnx: no images to compare');

  const ort = await OrtClassifier.create(onnxBytes, { threads: o.ortThreads });
  try {
    const tfjsBatch = (x: Float32Array, b: number) => async () => {
      const y = tf.tidy(() => model.predict(tf.tensor4d(x, [b, h, w, c])) as tf.Tensor);
      try {
        return (await y.data()) as Float32Array;
      } finally {
        y.dispose();
      }
    };

    let maxAbsDiff = 0;
    let agree = 0;
    let tfjsCorrect = 0;
    let ortCorrect = 0;
    for (let start = 0; start < n; start += PARITY_BATCH) {
      const b = Math.min(PARITY_BATCH, n - start);
      const x = images.subarray(start * perImage, (start + b) * perImage);
      const expected = await tfjsBatch(x, b)();
      const actual = await ort.run(x, [b, h, w, c]);
      if (actual.length !== expected.length) throw new Error(`verifyOnnx: ORT gave ${actual.length} values, tfjs ${expected.length}`);
      const classes = expected.length / b;
      for (let i = 0; i < expected.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(expected[i]! - actual[i]!));
      for (let i = 0; i < b; i++) {
        const te = argmax(expected, i * classes, classes);
        const oa = argmax(actual, i * classes, classes);
        if (te === oa) agree++;
        if (labels) {
          if (te === labels[start + i]) tfjsCorrect++;
          if (oa === labels[start + i]) ortCorrect++;
        }
      }
    }

    const one = images.slice(0, perImage);
    const ortLatency = await timeRuns(() => ort.run(one, [1, h, w, c]), o.latencyRuns, o.warmupRuns);
    const tfjsLatency = await timeRuns(tfjsBatch(one, 1), o.latencyRuns, o.warmupRuns);
    const throughput: ThroughputPoint[] = [];
    for (const batch of o.throughputBatches) {
      const x = cycled(images, n * perImage, batch * perImage);
      throughput.push({
        batch,
        ortImagesPerSec: await imagesPerSecond(() => ort.run(x, [batch, h, w, c]), batch, o.throughputMinMs),
        tfjsImagesPerSec: await imagesPerSecond(tfjsBatch(x, batch), batch, o.throughputMinMs),
      });
    }

    const top1Agreement = agree / n;
    const failures: string[] = [];
    if (!(maxAbsDiff <= o.maxAbsDiff)) failures.push(`max |Δprobability| ${maxAbsDiff.toExponential(2)} > ${o.maxAbsDiff}`);
    if (top1Agreement < o.minTop1Agreement) failures.push(`top-1 agreement ${(top1Agreement * 100).toFixed(2)} % < ${(o.minTop1Agreement * 100).toFixed(2)} %`);
    const accuracy = labels ? { tfjsAccuracy: tfjsCorrect / n, ortAccuracy: ortCorrect / n } : {};
    if (labels && (tfjsCorrect / n).toFixed(3) !== (ortCorrect / n).toFixed(3)) {
      failures.push(`accuracy differs at 3 decimals: tfjs ${(tfjsCorrect / n).toFixed(3)}, ORT ${(ortCorrect / n).toFixed(3)}`);
    }
    const ortP50Ms = percentile(ortLatency, 50);
    const tfjsP50Ms = percentile(tfjsLatency, 50);
    return {
      ok: failures.length === 0,
      failures,
      images: n,
      maxAbsDiff,
      top1Agreement,
      ...accuracy,
      ortP50Ms,
      ortP99Ms: percentile(ortLatency, 99),
      tfjsP50Ms,
      tfjsP99Ms: percentile(tfjsLatency, 99),
      speedup: tfjsP50Ms / ortP50Ms,
      tfjsBackend: tf.getBackend(),
      ortThreads: ort.threads,
      throughput,
    };
  } finally {
    await ort.release();
  }
}

function checkInputs(model: tf.LayersModel, images: Float32Array, shape: [number, number, number, number], labels?: Uint8Array): void {
  const [n, h, w, c] = shape;
  if (images.length !== n * h * w * c) {
    throw new Error(`verifyOnnx: images hold ${images.length} values but shape [${shape.join(', ')}] needs ${n * h * w * c}`);
  }
  const expected = model.inputs[0]?.shape.slice(1) ?? [];
  if (expected.join(',') !== [h, w, c].join(',')) {
    throw new Error(`verifyOnnx: images are ${h}×${w}×${c} but the model expects ${expected.join('×')}`);
  }
  if (labels && labels.length !== n) throw new Error(`verifyOnnx: ${labels.length} labels for ${n} images`);
}

function argmax(values: Float32Array, offset: number, length: number): number {
  let best = 0;
  for (let i = 1; i < length; i++) if (values[offset + i]! > values[offset + best]!) best = i;
  return best;
}

/** `length` values taken cyclically from the first `available` values of `source`. */
function cycled(source: Float32Array, available: number, length: number): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i += available) out.set(source.subarray(0, Math.min(available, length - i)), i);
  return out;
}
