import { decodeImage } from './image-decode.js';
import { toModelInput, type ResizeMethod } from './image-preprocess.js';
import { readClassNames, readNormalization, type Normalization } from './metadata.js';
import { readOnnxModelInfo } from './onnx-model-info.js';
import { ImageFileError, InferenceError, ModelFileError } from './errors.js';
import { readInputFile } from './input-file.js';

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

/**
 * Runs an exported model (sweep's ONNX layout) on PNG/JPEG files and returns each file's top-k classes. Every
 * input is checked before onnxruntime is loaded: a file that cannot be used throws ModelFileError or
 * ImageFileError (bad input, naming the file); a failure while running throws InferenceError.
 */
export async function predictImages(modelPath: string, imagePaths: string[], options: PredictOptions = {}): Promise<ImagePrediction[]> {
  if (imagePaths.length === 0) throw new ImageFileError('predict: give at least one image file');
  const bytes = await readInputFile(modelPath, 'model');
  const info = readOnnxModelInfo(bytes, modelPath);
  const normalization = options.normalization ?? readNormalization(info.metadata, modelPath);
  const names = readClassNames(info.metadata, modelPath);
  if (names && names.length !== info.classes) {
    throw new ModelFileError(`${modelPath}: metadata lists ${names.length} class names but the model has ${info.classes} outputs; re-export the model with \`sweep export\``);
  }
  const [h, w, c] = info.inputShape;
  if (c !== 1 && c !== 3) {
    throw new ModelFileError(`${modelPath}: the model input has ${c} channels; sweep predict feeds images as 1 (grayscale) or 3 (RGB) channels`);
  }
  const perImage = h * w * c;
  const batch = new Float32Array(imagePaths.length * perImage);
  for (const [i, file] of imagePaths.entries()) {
    const img = await decodeImage(await readInputFile(file, 'image'), file);
    batch.set(toModelInput(img, info.inputShape, normalization, options.resize), i * perImage);
  }

  // Loaded only now: a bad input never pays for onnxruntime's native binding.
  const { OrtClassifier } = await import('./ort-session.js');
  const session = await OrtClassifier.create(bytes, { threads: options.threads ?? 1 }).catch((e: unknown) => {
    throw new ModelFileError(`${modelPath}: onnxruntime cannot load the model (${firstLine(e)}); re-export it with \`sweep export\``, { cause: e });
  });
  try {
    const probs = await session.run(batch, [imagePaths.length, h, w, c]).catch((e: unknown) => {
      throw new InferenceError(`${modelPath}: onnxruntime failed to run the model on ${imagePaths.length} image(s): ${firstLine(e)}`, { cause: e });
    });
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

const firstLine = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
