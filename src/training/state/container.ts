import { createHash } from 'node:crypto';

/**
 * A versioned container for training state: magic "SWST", u32 format version, u32 header length,
 * a JSON header (metadata + tensor directory), zero padding to 4 bytes, then the float32 tensor
 * data back to back (little endian).
 */
const MAGIC = 'SWST';
export const CONTAINER_VERSION = 1;

export interface NamedTensorData {
  name: string;
  shape: number[];
  data: Float32Array;
}

interface TensorEntry {
  name: string;
  shape: number[];
  offset: number; // in float32 elements from the start of the data section
  length: number;
}

interface Header {
  meta: unknown;
  tensors: TensorEntry[];
}

// JSON has no NaN or ±Infinity; metrics and callback bests can be either.
const NON_FINITE = new Set(['NaN', 'Infinity', '-Infinity']);
const replacer = (_key: string, value: unknown) =>
  typeof value === 'number' && !Number.isFinite(value) ? `#${String(value)}` : value;
const reviver = (_key: string, value: unknown) =>
  typeof value === 'string' && value.startsWith('#') && NON_FINITE.has(value.slice(1)) ? Number(value.slice(1)) : value;

export function encodeContainer(meta: unknown, tensors: NamedTensorData[]): Uint8Array {
  let offset = 0;
  const entries: TensorEntry[] = tensors.map((t) => {
    const entry = { name: t.name, shape: t.shape, offset, length: t.data.length };
    offset += t.data.length;
    return entry;
  });
  const header = new TextEncoder().encode(JSON.stringify({ meta, tensors: entries } satisfies Header, replacer));
  const dataStart = align4(12 + header.length);
  const bytes = new Uint8Array(dataStart + offset * 4);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  view.setUint32(4, CONTAINER_VERSION, true);
  view.setUint32(8, header.length, true);
  bytes.set(header, 12);
  tensors.forEach((t, i) => {
    const base = dataStart + entries[i]!.offset * 4;
    for (let k = 0; k < t.data.length; k++) view.setFloat32(base + k * 4, t.data[k]!, true);
  });
  return bytes;
}

export interface DecodedContainer {
  meta: unknown;
  tensors: NamedTensorData[];
}

export function decodeContainer(bytes: Uint8Array): DecodedContainer {
  const fail = (what: string): never => {
    throw new Error(`training state: ${what}; the checkpoint is corrupt or not a sweep training state`);
  };
  if (bytes.length < 12) fail(`only ${bytes.length} bytes`);
  const magic = new TextDecoder().decode(bytes.subarray(0, 4));
  if (magic !== MAGIC) fail(`bad magic '${magic}' (expected '${MAGIC}')`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version !== CONTAINER_VERSION) {
    throw new Error(`training state: format version ${version}, this build reads version ${CONTAINER_VERSION}`);
  }
  const headerLength = view.getUint32(8, true);
  if (12 + headerLength > bytes.length) fail(`header length ${headerLength} runs past the end`);
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength)), reviver) as Header;
  } catch (e) {
    return fail(`header is not JSON (${(e as Error).message})`);
  }
  const dataStart = align4(12 + headerLength);
  const tensors = header.tensors.map((entry) => {
    const end = dataStart + (entry.offset + entry.length) * 4;
    if (end > bytes.length) fail(`tensor '${entry.name}' runs past the end`);
    const data = new Float32Array(entry.length);
    const base = dataStart + entry.offset * 4;
    for (let k = 0; k < entry.length; k++) data[k] = view.getFloat32(base + k * 4, true);
    return { name: entry.name, shape: entry.shape, data };
  });
  return { meta: header.meta, tensors };
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
