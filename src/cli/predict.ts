import { Command, InvalidArgumentError, Option } from 'commander';
import type { Normalization } from '../export/metadata.js';
import type { ImagePrediction } from '../export/predict.js';

/**
 * `sweep predict <model.onnx> <images...>`: top-k classes of PNG/JPEG files with an exported model. The model
 * reader, image decoders and onnxruntime are imported inside the action, so `sweep --help` loads none of them.
 * A model or image that cannot be used exits 2 naming the file (src/export/errors.ts).
 */
export function registerPredict(program: Command): Command {
  return program
    .command('predict')
    .description('classify PNG/JPEG images with a model exported by sweep (ONNX, run by onnxruntime)')
    .argument('<model>', 'the .onnx file')
    .argument('<images...>', 'PNG or JPEG files')
    .option('-k, --top <k>', 'classes to show per image', positiveInt, 3)
    .addOption(new Option('--normalize <how>', "override the model's recorded input normalization").choices(['scale', 'none']))
    .addOption(new Option('--resize <method>', 'how images are resized to the model input').choices(['bilinear', 'nearest']).default('bilinear'))
    .option('--json', 'print JSON instead of text')
    .action(async (model: string, images: string[], opts: { top: number; normalize?: 'scale' | 'none'; resize: 'bilinear' | 'nearest'; json?: boolean }) => {
      const normalization: Normalization | undefined = opts.normalize ? { kind: opts.normalize } : undefined;
      const { predictImages } = await import('../export/predict.js');
      const predictions = await predictImages(model, images, { topK: opts.top, resize: opts.resize, ...(normalization ? { normalization } : {}) });
      process.stdout.write(opts.json ? `${JSON.stringify(predictions, null, 2)}\n` : renderPredictions(predictions));
    });
}

export function renderPredictions(predictions: ImagePrediction[]): string {
  return predictions
    .map((p) => [p.file, ...p.top.map((s, i) => `  ${i + 1}. ${s.name.padEnd(16)} ${(s.probability * 100).toFixed(2).padStart(6)} %`)].join('\n'))
    .join('\n')
    .concat('\n');
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}
