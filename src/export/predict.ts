import { readFile } from 'node:fs/promises';
import { decodeImage } from './image-decode.js';
import { toModelInput, type ResizeMethod } from './image-preprocess.js';
import { readClassNames, readNormalization, type Normalization } from './metadata.js';
import { readOnnxModelInfo } from './onnx-model-info.js';
import { OrtClassifier } from './ort-session.js';

export interface PredictOptions {
  /** Classes listed per image; default 3 (at most the number of classes). */
  topK?: number;
  /** Overrides the normalization recorded in the model's metadata. */
  normalization?: Normalization;
  resize?: ResizeMethod;
  threads?: number;
}

export interface ClassScore {
  index: number;
  name: string;
  probability: number;
}

export interface ImagePrediction {
  file: string;
  top: ClassScore[];
}

/** Runs an exported model (sweep's ONNX layout) on PNG/JPEG files and returns each file's top-k classes. */
export async function predictImages(modelPath: string, imagePaths: string[], options: PredictOptions = {}): Promise<ImagePrediction[]> {
  if (imagePaths.length === 0) throw new Error('predict: give at least one image file');
  const bytes = await readFile(modelPath).catch((e: Error) => {
    throw new Error(`${modelPath}: cannot read model (${e.message})`);
  });
  const info = readOnnxModelInfo(bytes, modelPath);
  const normalization = options.normalization ?? readNormalization(info.metadata, modelPath);
  const names = readClassNames(info.metadata, modelPath);
  if (names && names.length !== info.classes) {
    throw new Error(`${modelPath}: metadata lists ${names.length} class names but the model has ${info.classes} outputs`);
  }
  const [h, w, c] = info.inputShape;
  const perImage = h * w * c;
  const batch = new Float32Array(imagePaths.length * perImage);
  for (const [i, file] of imagePaths.entries()) {
    const img = decodeImage(await readFile(file).catch((e: Error) => {
      throw new Error(`${file}: cannot read image (${e.message})`);
    }), file);
    batch.set(toModelInput(img, info.inputShape, normalization, options.resize), i * perImage);
  }

  const session = await OrtClassifier.create(bytes, { threads: options.threads ?? 1 });
  try {
    const probs = await session.run(batch, [imagePaths.length, h, w, c]);
    const k = Math.max(1, Math.min(options.topK ?? 3, info.classes));
    return imagePaths.map((file, i) => {
      const row = Array.from(probs.subarray(i * info.classes, (i + 1) * info.classes), (probability, index) => ({
        index,
        name: names?.[index] ?? String(index),
        probability,
      }));
      return { file, top: row.sort((a, b) => b.probability - a.probability).slice(0, k) };
    });
  } finally {
    await session.release();
  }
}
