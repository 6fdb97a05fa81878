import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { ImageFileError } from './errors.js';
import { assertInflatedSize, readPngLayout } from './png-bounds.js';

/** 8-bit RGBA pixels, row-major. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * The largest image decoded (50 megapixels, 200 MB of RGBA): any size up to it works, since images are resized to
 * the model input, but a larger one (or a small file claiming huge dimensions) would exhaust memory first.
 */
export const MAX_IMAGE_MEGAPIXELS = 50;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const FORMAT_HINT = 'sweep predict reads PNG and JPEG files; convert the image to one of them';

/**
 * Decodes a PNG or JPEG (recognized by its signature); `where` names the file in errors (ImageFileError, bad input).
 * A PNG's size and the inflated size of its data are checked before pngjs decodes it (src/export/png-bounds.ts).
 */
export async function decodeImage(bytes: Uint8Array, where: string): Promise<RgbaImage> {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const isPng = buffer.subarray(0, 8).equals(PNG_SIGNATURE);
  const isJpeg = buffer[0] === 0xff && buffer[1] === 0xd8 && buffer[2] === 0xff;
  if (!isPng && !isJpeg) throw new ImageFileError(`${where}: not a PNG or JPEG file (${FORMAT_HINT})`);
  let img: RgbaImage;
  try {
    if (isPng) {
      await assertInflatedSize(readPngLayout(buffer, where, MAX_IMAGE_MEGAPIXELS), where);
      const png = PNG.sync.read(buffer);
      img = { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
    } else {
      const decoded = jpeg.decode(buffer, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_IMAGE_MEGAPIXELS });
      img = { width: decoded.width, height: decoded.height, data: decoded.data };
    }
  } catch (e) {
    if (e instanceof ImageFileError) throw e;
    throw new ImageFileError(`${where}: cannot decode the ${isPng ? 'PNG' : 'JPEG'} image (${(e as Error).message}); the file may be truncated or corrupt`, { cause: e });
  }
  if (img.width < 1 || img.height < 1) throw new ImageFileError(`${where}: the image has no pixels (${img.width}×${img.height})`);
  return img;
}
