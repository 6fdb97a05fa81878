import { ONNX_INPUT_NAME, ONNX_OUTPUT_NAME } from './onnx-exporter.js';
import { onnx } from './onnx-proto.js';
import type { OnnxTypes } from './onnx-proto.js';
import { ModelFileError } from './errors.js';

const EXPORT_HINT = 'give a .onnx file written by `sweep export` (or by `sweep launch` with export: in the spec)';

export interface OnnxModelInfo {
  /** [height, width, channels] of the NHWC image input. */
  inputShape: [number, number, number];
  classes: number;
  metadata: Record<string, string>;
}

/**
 * Reads input shape, class count and metadata_props of an exported image classifier; `where` names it in errors.
 * Anything else (not ONNX, another layout) is a ModelFileError: bad input.
 */
export function readOnnxModelInfo(bytes: Uint8Array, where: string): OnnxModelInfo {
  let model: OnnxTypes.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new ModelFileError(`${where}: not an ONNX model (${(e as Error).message}); ${EXPORT_HINT}`, { cause: e });
  }
  const graph = model.graph;
  const input = graph?.input?.find((v) => v.name === ONNX_INPUT_NAME);
  const output = graph?.output?.find((v) => v.name === ONNX_OUTPUT_NAME);
  if (!input || !output) {
    throw new ModelFileError(`${where}: expected an input '${ONNX_INPUT_NAME}' and an output '${ONNX_OUTPUT_NAME}' (a model exported by sweep); ${EXPORT_HINT}`);
  }
  const inDims = dims(input);
  const outDims = dims(output);
  if (inDims.length !== 4 || inDims.slice(1).some((d) => !(d > 0)) || outDims.length !== 2 || !(outDims[1]! > 0)) {
    throw new ModelFileError(`${where}: expected input [N, H, W, C] and output [N, classes], got [${inDims.join(', ')}] and [${outDims.join(', ')}]; ${EXPORT_HINT}`);
  }
  const metadata: Record<string, string> = {};
  for (const p of model.metadataProps ?? []) if (p.key) metadata[p.key] = p.value ?? '';
  return { inputShape: [inDims[1]!, inDims[2]!, inDims[3]!], classes: outDims[1]!, metadata };
}

/** Dimensions of a tensor value; symbolic ones (the batch) as -1. */
function dims(value: OnnxTypes.IValueInfoProto): number[] {
  return (value.type?.tensorType?.shape?.dim ?? []).map((d) => (d.dimValue != null && !d.dimParam ? Number(d.dimValue) : -1));
}
