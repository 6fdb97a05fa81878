import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Command } from 'commander';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { registerPredict } from '../../src/cli/predict.js';
import { onnxMetadata } from '../../src/export/metadata.js';
import { exportToOnnx } from '../../src/export/onnx-exporter.js';
import { predictImages } from '../../src/export/predict.js';
import { CLASSES, seedArchitecture, uniform, useBackend } from '../fixtures/onnx/models.js';

const CLASS_NAMES = Array.from({ length: CLASSES }, (_, i) => `class-${i}`);

function randomRgba(width: number, height: number, seed: number): Uint8Array {
  const rand = uniform(seed);
  return Uint8Array.from({ length: width * height * 4 }, (_, i) => (i % 4 === 3 ? 255 : Math.floor(rand() * 256)));
}

function pngBytes(width: number, height: number, rgba: Uint8Array): Buffer {
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba);
  return PNG.sync.write(png);
}

/** tfjs probabilities for RGBA pixels, prepared the tfjs way (resizeBilinear with half-pixel centers, x/255). */
function tfjsProbabilities(model: tf.LayersModel, rgba: Uint8Array, width: number, height: number): number[] {
  return tf.tidy(() => {
    const rgb = tf.tensor3d(rgba, [height, width, 4], 'float32').slice([0, 0, 0], [height, width, 3]);
    const resized = tf.image.resizeBilinear(rgb.expandDims<tf.Tensor4D>(0), [16, 16], false, true);
    return Array.from((model.predict(resized.div(255)) as tf.Tensor).dataSync());
  });
}

describe('predict on PNG/JPEG files with an exported model', () => {
  let dir = '';
  let modelPath = '';
  let model: tf.LayersModel;

  before(async () => {
    await useBackend('cpu');
    dir = await mkdtemp(join(tmpdir(), 'sweep-predict-'));
    model = seedArchitecture('none', 4);
    modelPath = join(dir, 'model.onnx');
    await writeFile(modelPath, exportToOnnx(model, onnxMetadata({ normalization: { kind: 'scale' }, classNames: CLASS_NAMES })));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('PNG at the model size and a larger PNG (bilinear resize) match tfjs on the same pixels', async () => {
    const small = randomRgba(16, 16, 1);
    const large = randomRgba(40, 24, 2);
    await writeFile(join(dir, 'small.png'), pngBytes(16, 16, small));
    await writeFile(join(dir, 'large.png'), pngBytes(40, 24, large));
    const [p1, p2] = await predictImages(modelPath, [join(dir, 'small.png'), join(dir, 'large.png')], { topK: CLASSES });
    for (const [p, expected] of [[p1!, tfjsProbabilities(model, small, 16, 16)], [p2!, tfjsProbabilities(model, large, 40, 24)]] as const) {
      assert.equal(p.top.length, CLASSES);
      for (const s of p.top) {
        assert.equal(s.name, `class-${s.index}`);
        assert.ok(Math.abs(s.probability - expected[s.index]!) < 1e-5, `${p.file} class ${s.index}: ${s.probability} vs ${expected[s.index]}`);
      }
      assert.deepEqual(p.top.map((s) => s.probability), [...p.top.map((s) => s.probability)].sort((a, b) => b - a));
    }
  });

  test('JPEG input is decoded and classified', async () => {
    const rgba = randomRgba(20, 20, 3);
    const encoded = jpeg.encode({ data: Buffer.from(rgba), width: 20, height: 20 }, 95).data;
    await writeFile(join(dir, 'photo.jpg'), encoded);
    const decoded = jpeg.decode(encoded, { useTArray: true, formatAsRGBA: true });
    const [p] = await predictImages(modelPath, [join(dir, 'photo.jpg')], { topK: 2 });
    const expected = tfjsProbabilities(model, decoded.data, 20, 20);
    assert.equal(p!.top.length, 2);
    assert.equal(p!.top[0]!.index, expected.indexOf(Math.max(...expected)));
    assert.ok(Math.abs(p!.top[0]!.probability - Math.max(...expected)) < 1e-5);
  });

  test('the predict command prints top-k class names', async () => {
    await writeFile(join(dir, 'cli.png'), pngBytes(16, 16, randomRgba(16, 16, 4)));
    const program = new Command().exitOverride();
    registerPredict(program);
    let printed = '';
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => ((printed += chunk), true));
    try {
      await program.parseAsync(['node', 'sweep', 'predict', modelPath, join(dir, 'cli.png'), '--top', '2']);
    } finally {
      process.stdout.write = write;
    }
    const lines = printed.trim().split('\n');
    assert.equal(lines[0], join(dir, 'cli.png'));
    assert.equal(lines.length, 3);
    assert.match(lines[1]!, /^ {2}1\. class-\d+ +\d+\.\d\d %$/);
  });

  test('bad inputs fail with the file named', async () => {
    await writeFile(join(dir, 'notes.txt'), 'hello');
    await assert.rejects(predictImages(modelPath, [join(dir, 'notes.txt')]), /notes\.txt: not a PNG or JPEG file/);
    const bare = join(dir, 'bare.onnx');
    await writeFile(bare, exportToOnnx(model, {}));
    await assert.rejects(predictImages(bare, [join(dir, 'cli.png')]), /bare\.onnx: metadata 'normalize' is missing/);
    await assert.rejects(predictImages(join(dir, 'missing.onnx'), [join(dir, 'cli.png')]), /missing\.onnx: cannot read model/);
  });
});
