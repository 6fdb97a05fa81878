import { onnx } from './onnx-proto.js';
import type { OnnxTypes } from './onnx-proto.js';

type AttributeValue = number | number[] | string;

/** Accumulates nodes and initializers of one ONNX graph, handing out unique tensor names. */
export class GraphBuilder {
  readonly nodes: OnnxTypes.INodeProto[] = [];
  readonly initializers: OnnxTypes.ITensorProto[] = [];
  private readonly used = new Set<string>();

  /** A tensor name not handed out before, derived from `base`. */
  uniqueName(base: string): string {
    const clean = base.replace(/[^A-Za-z0-9_./-]/g, '_');
    let name = clean;
    for (let i = 1; this.used.has(name); i++) name = `${clean}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Reserves a name chosen by the caller (graph input/output names). */
  reserve(name: string): string {
    if (this.used.has(name)) throw new Error(`ONNX tensor name '${name}' is already in use`);
    this.used.add(name);
    return name;
  }

  addFloatInitializer(base: string, dims: number[], values: Float32Array): string {
    const expected = dims.reduce((a, b) => a * b, 1);
    if (values.length !== expected) {
      throw new Error(`initializer '${base}': ${values.length} values for dims [${dims.join(', ')}]`);
    }
    const name = this.uniqueName(base);
    // rawData is little-endian float32; copy so the bytes are exactly this tensor's.
    const raw = new Uint8Array(new Float32Array(values).buffer);
    this.initializers.push({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: raw });
    return name;
  }

  addInt64Initializer(base: string, values: number[]): string {
    const name = this.uniqueName(base);
    this.initializers.push({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, int64Data: values });
    return name;
  }

  /** Adds a node with one output and returns that output's name (or `outputName` when given). */
  addNode(
    opType: string,
    inputs: string[],
    nameBase: string,
    attributes: Record<string, AttributeValue> = {},
    outputName?: string,
  ): string {
    const output = outputName ?? this.uniqueName(`${nameBase}/${opType}`);
    this.nodes.push({
      opType,
      name: this.uniqueName(`${nameBase}/${opType}_node`),
      input: inputs,
      output: [output],
      attribute: Object.entries(attributes).map(([name, value]) => toAttribute(name, value)),
    });
    return output;
  }
}

function toAttribute(name: string, value: AttributeValue): OnnxTypes.IAttributeProto {
  const Type = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return { name, type: Type.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: Type.INTS, ints: value };
  // Integral attributes (axis, kernel sizes) are INT; epsilon and friends are FLOAT.
  return Number.isInteger(value) && !FLOAT_ATTRIBUTES.has(name)
    ? { name, type: Type.INT, i: value }
    : { name, type: Type.FLOAT, f: value };
}

const FLOAT_ATTRIBUTES = new Set(['epsilon', 'momentum', 'alpha', 'beta']);
