import { DatasetError } from './errors.js';

/** The IDX type code for unsigned bytes, the only element type image datasets use. */
const UBYTE = 0x08;

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/**
 * Parses an IDX file (the MNIST format): magic 0x00 0x00 <type> <ndims>, ndims big-endian
 * uint32 sizes, then the elements. Only uint8 data of the expected rank is accepted.
 */
export function parseIdx(bytes: Uint8Array, file: string, expectedRank: number): IdxArray {
  const expectedMagic = (UBYTE << 8) | expectedRank;
  if (bytes.length < 4) {
    throw new DatasetError(`${file}: truncated IDX file (${bytes.length} bytes, no header)`, file);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (magic !== expectedMagic) {
    throw new DatasetError(
      `${file}: wrong IDX magic number 0x${magic.toString(16).padStart(8, '0')}, expected ` +
        `0x${expectedMagic.toString(16).padStart(8, '0')} (uint8, ${expectedRank} dimension${expectedRank > 1 ? 's' : ''}); ` +
        'is this the right file?',
      file,
    );
  }
  const headerBytes = 4 + 4 * expectedRank;
  if (bytes.length < headerBytes) {
    throw new DatasetError(`${file}: truncated IDX header (${bytes.length} of ${headerBytes} bytes)`, file);
  }
  const dims: number[] = [];
  for (let d = 0; d < expectedRank; d++) dims.push(view.getUint32(4 + 4 * d));
  const elements = dims.reduce((a, b) => a * b, 1);
  const dataBytes = bytes.length - headerBytes;
  if (dataBytes < elements) {
    throw new DatasetError(
      `${file}: truncated IDX data: header says [${dims.join(', ')}] = ${elements} bytes, found ${dataBytes}`,
      file,
    );
  }
  if (dataBytes > elements) {
    throw new DatasetError(
      `${file}: size mismatch: header says [${dims.join(', ')}] = ${elements} bytes, found ${dataBytes} (trailing data)`,
      file,
    );
  }
  // A plain Uint8Array view (not a Buffer), like every other split in the project.
  return { dims, data: new Uint8Array(bytes.buffer, bytes.byteOffset + headerBytes, elements) };
}
