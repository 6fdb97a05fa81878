import { createInflate } from 'node:zlib';
import { ImageFileError } from './errors.js';

/**
 * A PNG's limits, read from its chunk stream before anything is decoded: pngjs inflates an interlaced image without
 * a cap, so a 1×1 header over a long zlib stream of zeros (a "PNG bomb") would fill memory. Each check throws
 * ImageFileError (bad input) naming the file and the limit.
 */

/** Channels of each PNG color type (a palette index is one channel). */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** The Adam7 passes: first column, first row, column step, row step. */
export const ADAM7: readonly (readonly [number, number, number, number])[] = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

export interface PngLayout {
  width: number;
  height: number;
  interlaced: boolean;
  /** The exact size of the inflated image data the header allows: filter bytes and rows of every pass. */
  rawBytes: number;
  /** The IDAT chunks' data, in order (views into the file). */
  idat: Buffer[];
}

const corrupt = (where: string, why: string) => new ImageFileError(`${where}: cannot decode the PNG image (${why}); the file may be truncated or corrupt`);

/** Walks the chunks after the 8-byte signature: IHDR first (its size checked against `maxMegapixels`), IDATs collected, up to IEND. */
export function readPngLayout(png: Buffer, where: string, maxMegapixels: number): PngLayout {
  if (png.length < 33 || png.toString('latin1', 12, 16) !== 'IHDR' || png.readUInt32BE(8) !== 13) throw corrupt(where, 'no IHDR header');
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  if (width === 0 || height === 0) throw new ImageFileError(`${where}: the image has no pixels (${width}×${height})`);
  if (width * height > maxMegapixels * 1e6) {
    throw new ImageFileError(
      `${where}: the image is ${width}×${height} pixels, more than ${maxMegapixels} megapixels; scale it down first (it is resized to the model input anyway)`,
    );
  }
  const bitDepth = png[24]!;
  const channels = CHANNELS[png[25]!];
  const interlaced = png[28] === 1;
  if (channels === undefined || ![1, 2, 4, 8, 16].includes(bitDepth)) throw corrupt(where, `unsupported color type ${png[25]} or bit depth ${bitDepth}`);
  const idat: Buffer[] = [];
  let offset = 33;
  for (;;) {
    if (offset + 8 > png.length) throw corrupt(where, 'no IEND chunk');
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const end = offset + 12 + length;
    if (end > png.length) throw corrupt(where, `truncated ${type} chunk`);
    if (type === 'IDAT') idat.push(png.subarray(offset + 8, offset + 8 + length));
    if (type === 'IEND') break;
    offset = end;
  }
  if (idat.length === 0) throw corrupt(where, 'no IDAT chunk');
  const bitsPerPixel = channels * bitDepth;
  const passBytes = (w: number, h: number) => (w > 0 && h > 0 ? h * (1 + Math.ceil((w * bitsPerPixel) / 8)) : 0);
  const rawBytes = interlaced
    ? ADAM7.reduce((sum, [x0, y0, dx, dy]) => sum + passBytes(Math.ceil((width - x0) / dx), Math.ceil((height - y0) / dy)), 0)
    : passBytes(width, height);
  return { width, height, interlaced, rawBytes, idat };
}

/**
 * Inflates the image data only to count it, 16 KB at a time, and stops as soon as it passes `layout.rawBytes`: a
 * stream that inflates to more than its header allows is refused before pngjs inflates it whole.
 */
export function assertInflatedSize(layout: PngLayout, where: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const inflate = createInflate();
    let total = 0;
    inflate.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total <= layout.rawBytes) return;
      inflate.destroy();
      reject(
        new ImageFileError(
          `${where}: the PNG image data inflates to more than the ${layout.rawBytes.toLocaleString('en-US')} bytes its ${layout.width}×${layout.height} ` +
            `header allows (a decompression bomb); re-encode the image from its source`,
        ),
      );
    });
    inflate.on('error', (e) => reject(corrupt(where, e.message)));
    inflate.on('end', () => resolve());
    for (const chunk of layout.idat) inflate.write(chunk);
    inflate.end();
  });
}
