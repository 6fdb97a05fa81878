import * as ort from 'onnxruntime-node';
import type { ProgramOnnxCheck } from '../domain/onnx.js';

const WARMUP_RUNS = 3;
const TIMED_RUNS = 30;

/**
 * Checks a model a command trainer's program wrote: it must load in onnxruntime (CPU, one thread, as the parity
 * check runs) and run on a batch of 1 shaped from its own inputs (a symbolic first dimension is the batch; any
 * other symbolic dimension cannot be chosen, and fails the check), with finite float outputs. Latency is the
 * p50/p99 of timed runs after a warm-up. Never throws for a bad model: the check says what failed.
 */
export async function checkProgramOnnx(model: Uint8Array): Promise<ProgramOnnxCheck> {
  const failed = (problem: string, input: ProgramOnnxCheck['input'] = { name: '', type: '', shape: [] }, outputs: string[] = []): ProgramOnnxCheck => ({
    kind: 'program', ok: false, input, outputs, ortP50Ms: null, ortP99Ms: null, problem,
  });
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(model, { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1 });
  } catch (e) {
    return failed(`onnxruntime cannot load it: ${(e as Error).message}`);
  }
  try {
    const feeds: Record<string, ort.Tensor> = {};
    let first: ProgramOnnxCheck['input'] | null = null;
    for (const meta of session.inputMetadata) {
      const made = inputTensor(meta);
      if (typeof made === 'string') return failed(made, first ?? undefined, [...session.outputNames]);
      feeds[meta.name] = made.tensor;
      first ??= { name: meta.name, type: made.tensor.type, shape: made.shape };
    }
    if (!first) return failed('it has no inputs');
    const outputs = [...session.outputNames];
    const times: number[] = [];
    for (let i = 0; i < WARMUP_RUNS + TIMED_RUNS; i++) {
      const started = performance.now();
      const out = await session.run(feeds);
      if (i >= WARMUP_RUNS) times.push(performance.now() - started);
      if (i === 0) {
        const bad = outputs.find((name) => !finiteOutput(out[name]));
        if (bad !== undefined) return failed(`output '${bad}' is missing or holds non-finite values on a batch of 1`, first, outputs);
      }
    }
    times.sort((a, b) => a - b);
    const at = (q: number): number => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? NaN;
    return { kind: 'program', ok: true, input: first, outputs, ortP50Ms: at(0.5), ortP99Ms: at(0.99) };
  } catch (e) {
    return failed(`onnxruntime cannot run it on a batch of 1: ${(e as Error).message}`);
  } finally {
    await session.release();
  }
}

/** A batch-of-1 tensor for an input, or why none can be made. */
function inputTensor(meta: ort.InferenceSession.ValueMetadata): { tensor: ort.Tensor; shape: number[] } | string {
  if (!meta.isTensor) return `input '${meta.name}' is not a tensor`;
  const shape = meta.shape.map((d, i) => (typeof d === 'number' && d > 0 ? d : i === 0 ? 1 : -1));
  const symbolic = shape.indexOf(-1);
  if (symbolic >= 0) return `input '${meta.name}' has a symbolic dimension ${symbolic} (${String(meta.shape[symbolic])}) besides the batch: sweep cannot choose its size`;
  const size = shape.reduce((a, b) => a * b, 1);
  switch (meta.type) {
    case 'float32':
      return { tensor: new ort.Tensor('float32', Float32Array.from({ length: size }, () => Math.random()), shape), shape };
    case 'int32':
      return { tensor: new ort.Tensor('int32', new Int32Array(size), shape), shape };
    case 'int64':
      return { tensor: new ort.Tensor('int64', new BigInt64Array(size), shape), shape };
    default:
      return `input '${meta.name}' is of type ${meta.type}; the check feeds float32, int32 or int64 inputs only`;
  }
}

function finiteOutput(value: ort.OnnxValue | undefined): boolean {
  if (!value) return false;
  const data = value.data;
  if (data instanceof Float32Array || data instanceof Float64Array) return data.every(Number.isFinite);
  return true;
}
