import type * as tf from '@tensorflow/tfjs';
import { LAYER_CONVERTERS } from './converters/index.js';
import type { LayerWeights, TensorRef } from './converters/types.js';
import { UnsupportedLayerError } from './errors.js';
import { GraphBuilder } from './graph-builder.js';
import { META_KEYS } from './metadata.js';
import { onnx } from './onnx-proto.js';
import type { OnnxTypes } from './onnx-proto.js';

export const ONNX_OPSET = 13;
export const ONNX_INPUT_NAME = 'input';
export const ONNX_OUTPUT_NAME = 'probabilities';
export const ONNX_BATCH_DIM = 'N';

/**
 * Exports a sequential tfjs image classifier to an opset-13 ONNX model (serialized ModelProto).
 * Input `input` [N, H, W, C] float32 channels-last, already normalized as in training; output
 * `probabilities` [N, classes]. `meta` becomes metadata_props (see onnxMetadata()).
 * Reads weights with dataSync(); on backends where that fails (webgpu in Node) use exportToOnnxAsync.
 */
export function exportToOnnx(model: tf.LayersModel, meta: Record<string, string>): Uint8Array {
  return buildOnnx(model, meta, (layer) => readWeights(layer, (t) => t.dataSync() as Float32Array));
}

/** exportToOnnx for backends that can only read tensors asynchronously. */
export async function exportToOnnxAsync(model: tf.LayersModel, meta: Record<string, string>): Promise<Uint8Array> {
  const byLayer = new Map<tf.layers.Layer, LayerWeights>();
  for (const layer of model.layers) {
    const values = await Promise.all(layer.getWeights().map(async (t) => (await t.data()) as Float32Array));
    byLayer.set(layer, readWeights(layer, (_t, i) => values[i]!));
  }
  return buildOnnx(model, meta, (layer) => byLayer.get(layer) ?? (new Map() as LayerWeights));
}

function readWeights(layer: tf.layers.Layer, read: (t: tf.Tensor, index: number) => Float32Array): LayerWeights {
  const tensors = layer.getWeights();
  const weights: LayerWeights = new Map();
  layer.weights.forEach((variable, i) => {
    const tensor = tensors[i]!;
    if (tensor.dtype !== 'float32') {
      throw new UnsupportedLayerError(layer.getClassName(), layer.name, `weight '${variable.originalName}' is ${tensor.dtype}, not float32`);
    }
    const key = variable.originalName.split('/').pop() ?? variable.originalName;
    weights.set(key, { shape: tensor.shape.slice(), values: new Float32Array(read(tensor, i)) });
  });
  return weights;
}

function buildOnnx(model: tf.LayersModel, meta: Record<string, string>, weightsOf: (layer: tf.layers.Layer) => LayerWeights): Uint8Array {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new Error(`cannot export '${model.name}': ONNX export needs exactly one input and one output, got ${model.inputs.length} and ${model.outputs.length}`);
  }
  const inputShape = model.inputs[0]!.shape.slice(1);
  if (inputShape.some((d) => d === null)) {
    throw new Error(`cannot export '${model.name}': input shape [${model.inputs[0]!.shape.join(', ')}] needs fixed sizes after the batch dimension`);
  }
  const graph = new GraphBuilder();
  const inputName = graph.reserve(ONNX_INPUT_NAME);
  const outputName = graph.reserve(ONNX_OUTPUT_NAME);
  let x: TensorRef = { name: inputName, shape: inputShape as number[], channelsFirst: false };
  if (x.shape.length === 3) {
    x = { ...x, name: graph.addNode('Transpose', [inputName], 'input', { perm: [0, 3, 1, 2] }), channelsFirst: true };
  }

  for (const layer of chainOf(model)) {
    const convert = LAYER_CONVERTERS[layer.getClassName()];
    if (!convert) throw new UnsupportedLayerError(layer.getClassName(), layer.name, 'no converter for this layer class');
    x = convert({ layer, input: x, weights: weightsOf(layer), graph });
  }
  if (x.channelsFirst) x = { ...x, name: graph.addNode('Transpose', [x.name], 'output', { perm: [0, 2, 3, 1] }), channelsFirst: false };
  graph.addNode('Identity', [x.name], 'output', {}, outputName);

  const props = { ...meta, [META_KEYS.inputLayout]: 'NHWC' };
  const proto: OnnxTypes.IModelProto = {
    irVersion: 7,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'sweep',
    producerVersion: '0.1.0',
    graph: {
      name: model.name,
      node: graph.nodes,
      initializer: graph.initializers,
      input: [valueInfo(inputName, inputShape as number[])],
      output: [valueInfo(outputName, x.shape)],
    },
    metadataProps: Object.entries(props).map(([key, value]) => ({ key, value })),
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(proto)).finish();
}

/** The model's layers in order, after checking they form a single chain (a Sequential-shaped model). */
function chainOf(model: tf.LayersModel): tf.layers.Layer[] {
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  const inputLayer = model.inputs[0]!.sourceLayer.name;
  let previous: string | null = null;
  for (const layer of layers) {
    const inbound = layer.inboundNodes.flatMap((n) => n.inboundLayers.map((l) => l.name));
    const ok = inbound.length === 1 && inbound[0] === (previous ?? inputLayer);
    if (!ok) {
      throw new UnsupportedLayerError(layer.getClassName(), layer.name, `only a single chain of layers is supported; its inputs are [${inbound.join(', ')}]`);
    }
    previous = layer.name;
  }
  return layers;
}

function valueInfo(name: string, shapeWithoutBatch: number[]): OnnxTypes.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: [{ dimParam: ONNX_BATCH_DIM }, ...shapeWithoutBatch.map((d) => ({ dimValue: d }))] },
      },
    },
  };
}
