// onnx-proto is CommonJS; this is its single ESM entry point for the project.
import onnxProto from 'onnx-proto';

export const onnx = onnxProto.onnx;
export type { onnx as OnnxTypes } from 'onnx-proto';
