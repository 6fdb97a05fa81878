import * as ort from 'onnxruntime-node';

export interface OrtSessionOptions {
  /** Intra-op threads; default 1, the same single core a tfjs CPU/wasm backend gets (0 = ORT's default, all cores). */
  threads?: number;
}

/** A CPU inference session for an exported classifier ('input' → 'probabilities'). */
export class OrtClassifier {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly threads: number,
  ) {}

  static async create(model: Uint8Array | string, options: OrtSessionOptions = {}): Promise<OrtClassifier> {
    const threads = options.threads ?? 1;
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      ...(threads > 0 ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
    };
    const session =
      typeof model === 'string' ? await ort.InferenceSession.create(model, sessionOptions) : await ort.InferenceSession.create(model, sessionOptions);
    if (!session.inputNames.includes('input') || !session.outputNames.includes('probabilities')) {
      throw new Error(`ONNX model must have input 'input' and output 'probabilities'; it has [${session.inputNames.join(', ')}] → [${session.outputNames.join(', ')}]`);
    }
    return new OrtClassifier(session, threads);
  }

  /** Probabilities [n, classes] (row-major) for NHWC float32 images of `shape` [n, h, w, c]. */
  async run(images: Float32Array, shape: readonly number[]): Promise<Float32Array> {
    const out = await this.session.run({ input: new ort.Tensor('float32', images, shape) });
    const probs = out['probabilities'];
    if (!probs) throw new Error("ONNX model produced no 'probabilities' output");
    return probs.data as Float32Array;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
