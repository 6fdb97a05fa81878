import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { UnsupportedLayerError } from '../../src/export/errors.js';
import { transposeValues } from '../../src/export/converters/weights.js';
import { onnxMetadata, readClassNames, readNormalization } from '../../src/export/metadata.js';
import { exportToOnnx, exportToOnnxAsync } from '../../src/export/onnx-exporter.js';
import { readOnnxModelInfo } from '../../src/export/onnx-model-info.js';
import { onnx } from '../../src/export/onnx-proto.js';
import type { OnnxTypes } from '../../src/export/onnx-proto.js';
import { percentile } from '../../src/export/timing.js';
import { seedArchitecture } from '../fixtures/onnx/models.js';

const decode = (bytes: Uint8Array) => onnx.ModelProto.decode(bytes);
/** Decoded graph with the repeated fields protobufjs always fills typed as present. */
const graphOf = (bytes: Uint8Array) => decode(bytes).graph as OnnxTypes.GraphProto;
const attr = (node: OnnxTypes.INodeProto, name: string) => (node.attribute ?? []).find((a) => a.name === name)!;
const meta = onnxMetadata({ normalization: { kind: 'scale' }, sweep: 'bn-vs-dropout', trial: 't1', classNames: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'] });

describe('exportToOnnx graph', () => {
  test('opset 13, NHWC input with dynamic batch, probabilities output, metadata', () => {
    const model = seedArchitecture('batchnorm');
    const proto = decode(exportToOnnx(model, meta));
    const graph = graphOf(exportToOnnx(model, meta));
    assert.deepEqual(proto.opsetImport.map((o) => [o.domain, Number(o.version)]), [['', 13]]);
    const input = graph.input[0]!;
    assert.equal(input.name, 'input');
    assert.deepEqual(
      input.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue)),
      ['N', 16, 16, 3],
    );
    assert.equal(graph.output[0]!.name, 'probabilities');
    const info = readOnnxModelInfo(exportToOnnx(model, meta), 'model.onnx');
    assert.deepEqual(info.inputShape, [16, 16, 3]);
    assert.equal(info.classes, 10);
    assert.equal(info.metadata['sweep'], 'bn-vs-dropout');
    assert.equal(info.metadata['input_layout'], 'NHWC');
    assert.deepEqual(readNormalization(info.metadata, 'model.onnx'), { kind: 'scale' });
    assert.equal(readClassNames(info.metadata, 'model.onnx')?.[9], 'j');
  });

  test('seed architectures map to the expected ONNX operators (Dropout removed, transposes at input and flatten)', () => {
    const ops = (r: Parameters<typeof seedArchitecture>[0]) => graphOf(exportToOnnx(seedArchitecture(r), meta)).node.map((n) => n.opType);
    const block = ['Conv', 'Relu', 'Conv', 'Relu'];
    assert.deepEqual(ops('none'), ['Transpose', ...block, 'MaxPool', ...block, 'MaxPool', 'Transpose', 'Flatten', 'Gemm', 'Relu', 'Gemm', 'Softmax', 'Identity']);
    assert.deepEqual(ops('dropout'), ops('none'));
    assert.deepEqual(ops('batchnorm'), [
      'Transpose', ...block, 'BatchNormalization', 'MaxPool', ...block, 'BatchNormalization', 'MaxPool',
      'Transpose', 'Flatten', 'Gemm', 'Relu', 'BatchNormalization', 'Gemm', 'Softmax', 'Identity',
    ]);
    const everyConv = seedArchitecture('batchnorm-every-conv');
    const bnLayers = everyConv.layers.filter((l) => l.getClassName() === 'BatchNormalization').length;
    assert.equal(bnLayers, 7);
    assert.equal(graphOf(exportToOnnx(everyConv, meta)).node.filter((n) => n.opType === 'BatchNormalization').length, bnLayers);
  });

  test('conv kernels are stored as [out, in, kh, kw]; BN keeps its epsilon; same padding becomes pads', () => {
    const model = seedArchitecture('batchnorm');
    const graph = graphOf(exportToOnnx(model, meta));
    const conv = model.layers[0]!;
    const kernel = conv.getWeights()[0]!;
    const stored = graph.initializer.find((t) => t.name === `${conv.name}/kernel`)!;
    assert.deepEqual((stored.dims ?? []).map(Number), [32, 3, 3, 3]);
    const values = new Float32Array(new Uint8Array(stored.rawData!).buffer);
    const [kh, kw, cin, cout] = kernel.shape as number[];
    const source = kernel.dataSync();
    // element [o=5, i=2, y=1, x=0] comes from tfjs [y=1, x=0, i=2, o=5]
    assert.equal(values[((5 * cin! + 2) * kh! + 1) * kw! + 0], source[((1 * kw! + 0) * cin! + 2) * cout! + 5]);
    const convNode = graph.node.find((n) => n.opType === 'Conv')!;
    assert.deepEqual((attr(convNode, 'pads').ints ?? []).map(Number), [1, 1, 1, 1]);
    const bn = graph.node.find((n) => n.opType === 'BatchNormalization')!;
    assert.ok(Math.abs(attr(bn, 'epsilon').f! - 1e-3) < 1e-9);
  });

  test('exportToOnnxAsync produces the same bytes as exportToOnnx', async () => {
    const model = seedArchitecture('batchnorm-every-conv');
    assert.deepEqual(await exportToOnnxAsync(model, meta), exportToOnnx(model, meta));
  });
});

describe('unsupported models fail clearly', () => {
  test('an LSTM layer fails with UnsupportedLayerError naming its class and name', () => {
    const model = tf.sequential();
    model.add(tf.layers.lstm({ units: 4, inputShape: [5, 3], name: 'my_lstm' }));
    model.add(tf.layers.dense({ units: 2, activation: 'softmax' }));
    assert.throws(
      () => exportToOnnx(model, meta),
      (e: unknown) => e instanceof UnsupportedLayerError && e.layerClass === 'LSTM' && e.layerName === 'my_lstm' && /'my_lstm' \(LSTM\)/.test(e.message),
    );
  });

  test("an 'elu' activation fails with UnsupportedLayerError naming the layer", () => {
    const model = tf.sequential();
    model.add(tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 2, kernelSize: 3, activation: 'elu', name: 'elu_conv' }));
    model.add(tf.layers.flatten());
    model.add(tf.layers.dense({ units: 2, activation: 'softmax' }));
    assert.throws(
      () => exportToOnnx(model, meta),
      (e: unknown) =>
        e instanceof UnsupportedLayerError && e.layerClass === 'Conv2D' && e.layerName === 'elu_conv' && /activation 'elu'/.test(e.message) && /elu_conv/.test(e.message),
    );
  });

  test('channelsFirst convolution and non-sequential graphs are rejected', () => {
    const cf = tf.sequential();
    cf.add(tf.layers.conv2d({ inputShape: [1, 8, 8], filters: 2, kernelSize: 3, dataFormat: 'channelsFirst', name: 'cf' }));
    assert.throws(() => exportToOnnx(cf, meta), /channelsFirst/);

    const input = tf.input({ shape: [4] });
    const a = tf.layers.dense({ units: 3 }).apply(input) as tf.SymbolicTensor;
    const b = tf.layers.dense({ units: 3 }).apply(input) as tf.SymbolicTensor;
    const sum = tf.layers.add({ name: 'sum' }).apply([a, b]) as tf.SymbolicTensor;
    assert.throws(() => exportToOnnx(tf.model({ inputs: input, outputs: sum }), meta), /single chain/);
  });
});

describe('helpers', () => {
  test('transposeValues reorders like numpy.transpose', () => {
    const t = transposeValues(Float32Array.from([0, 1, 2, 3, 4, 5]), [2, 3], [1, 0]);
    assert.deepEqual(t.shape, [3, 2]);
    assert.deepEqual([...t.values], [0, 3, 1, 4, 2, 5]);
  });

  test('percentile uses nearest rank', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    assert.equal(percentile(samples, 50), 50);
    assert.equal(percentile(samples, 99), 99);
    assert.equal(percentile([7], 99), 7);
  });

  test('metadata without a normalization names the key and the fix', () => {
    assert.throws(() => readNormalization({}, 'm.onnx'), /m\.onnx: metadata 'normalize' is missing.*--normalize/);
    assert.throws(
      () => readNormalization({ normalize: 'standardize', channel_mean: '[1,2]', channel_std: '[1]' }, 'm.onnx'),
      /equally long/,
    );
    const std = onnxMetadata({ normalization: { kind: 'standardize', mean: [120, 110, 100], std: [60, 61, 62] } });
    assert.deepEqual(readNormalization(std, 'm.onnx'), { kind: 'standardize', mean: [120, 110, 100], std: [60, 61, 62] });
  });
});
