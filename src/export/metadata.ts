import { ModelFileError } from './errors.js';

/**
 * The ONNX metadata_props that `sweep` writes and `sweep predict` reads. Structured values are JSON.
 * Pixel statistics are in the 0..255 range; see docs/onnx.md.
 */
export const META_KEYS = {
  sweep: 'sweep',
  trial: 'trial',
  params: 'params',
  metrics: 'metrics',
  sourceBackend: 'source_backend',
  normalize: 'normalize',
  channelMean: 'channel_mean',
  channelStd: 'channel_std',
  classNames: 'class_names',
  inputLayout: 'input_layout',
} as const;

/** How raw 0..255 pixels become model input: x/255, or (x - mean[c]) / std[c]. */
export type Normalization =
  | { kind: 'scale' }
  | { kind: 'standardize'; mean: number[]; std: number[] }
  | { kind: 'none' };

export interface ExportMetadata {
  sweep?: string;
  trial?: string;
  params?: Record<string, unknown>;
  metrics?: Record<string, number>;
  sourceBackend?: string;
  normalization: Normalization;
  classNames?: string[];
}

/** The `meta` argument of exportToOnnx for a trained trial. */
export function onnxMetadata(m: ExportMetadata): Record<string, string> {
  const out: Record<string, string> = { [META_KEYS.normalize]: m.normalization.kind };
  if (m.normalization.kind === 'standardize') {
    out[META_KEYS.channelMean] = JSON.stringify(m.normalization.mean);
    out[META_KEYS.channelStd] = JSON.stringify(m.normalization.std);
  }
  if (m.sweep !== undefined) out[META_KEYS.sweep] = m.sweep;
  if (m.trial !== undefined) out[META_KEYS.trial] = m.trial;
  if (m.params !== undefined) out[META_KEYS.params] = JSON.stringify(m.params);
  if (m.metrics !== undefined) out[META_KEYS.metrics] = JSON.stringify(m.metrics);
  if (m.sourceBackend !== undefined) out[META_KEYS.sourceBackend] = m.sourceBackend;
  if (m.classNames !== undefined) out[META_KEYS.classNames] = JSON.stringify(m.classNames);
  return out;
}

/** Reads the normalization recorded in a model's metadata; `where` names the model file for errors (ModelFileError). */
export function readNormalization(props: Record<string, string>, where: string): Normalization {
  const kind = props[META_KEYS.normalize];
  if (kind === 'scale' || kind === 'none') return { kind };
  if (kind === 'standardize') {
    const mean = numberArray(props[META_KEYS.channelMean], META_KEYS.channelMean, where);
    const std = numberArray(props[META_KEYS.channelStd], META_KEYS.channelStd, where);
    if (mean.length !== std.length || std.some((s) => !(s > 0))) {
      throw new ModelFileError(`${where}: metadata '${META_KEYS.channelMean}'/'${META_KEYS.channelStd}' must be equally long with positive std; re-export the model with \`sweep export\`, or pass --normalize scale|none`);
    }
    return { kind, mean, std };
  }
  throw new ModelFileError(
    `${where}: metadata '${META_KEYS.normalize}' is ${kind === undefined ? 'missing' : `'${kind}'`}; ` +
      "expected 'scale', 'standardize' or 'none'. Re-export with sweep, or pass --normalize scale|none.",
  );
}

/** Class names from metadata, or null when the model has none. */
export function readClassNames(props: Record<string, string>, where: string): string[] | null {
  const raw = props[META_KEYS.classNames];
  if (raw === undefined) return null;
  const parsed: unknown = safeJson(raw, META_KEYS.classNames, where);
  if (!Array.isArray(parsed) || !parsed.every((n) => typeof n === 'string')) {
    throw new ModelFileError(`${where}: metadata '${META_KEYS.classNames}' must be a JSON array of strings; re-export the model with \`sweep export\``);
  }
  return parsed;
}

function numberArray(raw: string | undefined, key: string, where: string): number[] {
  if (raw === undefined) throw new ModelFileError(`${where}: metadata '${key}' is missing (needed for normalize=standardize); re-export the model with \`sweep export\`, or pass --normalize scale|none`);
  const parsed: unknown = safeJson(raw, key, where);
  if (!isFiniteNumberArray(parsed) || parsed.length === 0) {
    throw new ModelFileError(`${where}: metadata '${key}' must be a non-empty JSON array of numbers, got ${raw.slice(0, 80)}; re-export the model with \`sweep export\`, or pass --normalize scale|none`);
  }
  return parsed;
}

function safeJson(raw: string, key: string, where: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new ModelFileError(`${where}: metadata '${key}' is not valid JSON: ${raw.slice(0, 80)}; re-export the model with \`sweep export\``);
  }
}

const isFiniteNumberArray = (v: unknown): v is number[] => Array.isArray(v) && v.every((n) => typeof n === 'number' && Number.isFinite(n));
