// The PNG limits read from the chunk stream: the raw size a header allows is exactly what valid files inflate to
// (every color type and bit depth pngjs writes, and hand-built Adam7 images of sizes that leave passes empty), so
// the bomb check never refuses a valid image; interlaced images decode to the right pixels.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync, inflateSync } from 'node:zlib';
import { PNG, type ColorType } from 'pngjs';
import { interlacedRgbPng, rgbPng, zerosStream } from '../fixtures/images/png.js';
import { assertInflatedSize, readPngLayout } from '../../src/export/png-bounds.js';
import { decodeImage } from '../../src/export/image-decode.js';
import { ImageFileError } from '../../src/export/errors.js';

const inflatedLength = (png: Buffer) => inflateSync(Buffer.concat(readPngLayout(png, 'x.png', 50).idat)).length;
const rgb = (w: number, h: number) => Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 29 + 7) % 256);

describe('PNG bounds', () => {
  test('non-interlaced: every color type and bit depth pngjs writes inflates to exactly the allowed size', async () => {
    for (const [colorType, inputColorType] of [[0, 0], [2, 2], [4, 4], [6, 6]] as [ColorType, ColorType][]) {
      for (const bitDepth of [8, 16] as const) {
        for (const [w, h] of [[1, 1], [7, 3], [33, 5]] as const) {
          const png = new PNG({ width: w, height: h, colorType, inputColorType, bitDepth, inputHasAlpha: true });
          png.data = Buffer.alloc(w * h * 4, 77);
          const bytes = PNG.sync.write(png, { colorType, bitDepth, inputColorType: 6 });
          const layout = readPngLayout(bytes, 'x.png', 50);
          assert.equal(layout.interlaced, false);
          assert.equal(layout.rawBytes, inflatedLength(bytes), `color ${colorType}, depth ${bitDepth}, ${w}×${h}`);
          await assertInflatedSize(layout, 'x.png');
        }
      }
    }
  });

  test('interlaced: sizes with empty passes inflate to exactly the allowed size and decode to the right pixels', async () => {
    for (const [w, h] of [[1, 1], [2, 1], [1, 5], [3, 3], [8, 8], [9, 5], [17, 2]] as const) {
      const pixels = rgb(w, h);
      const bytes = interlacedRgbPng(w, h, pixels);
      const layout = readPngLayout(bytes, 'x.png', 50);
      assert.equal(layout.interlaced, true);
      assert.equal(layout.rawBytes, inflatedLength(bytes), `${w}×${h}`);
      const img = await decodeImage(bytes, 'x.png');
      assert.deepEqual([img.width, img.height], [w, h]);
      const decoded = Array.from({ length: w * h * 3 }, (_, i) => img.data[Math.floor(i / 3) * 4 + (i % 3)]);
      assert.deepEqual(decoded, Array.from(pixels), `${w}×${h} pixels`);
    }
  });

  test('one byte more than the header allows is refused; a corrupt stream or a cut chunk is corrupt, not a crash', async () => {
    const exact = interlacedRgbPng(3, 3, rgb(3, 3));
    const layout = readPngLayout(exact, 'x.png', 50);
    const oneMore = rgbPng(3, 3, true, deflateSync(Buffer.alloc(layout.rawBytes + 1)));
    await assert.rejects(assertInflatedSize(readPngLayout(oneMore, 'x.png', 50), 'x.png'), (e) => e instanceof ImageFileError && /more than the 33 bytes its 3×3 header allows/.test(e.message));
    const garbage = rgbPng(3, 3, false, Buffer.from('not a zlib stream'));
    await assert.rejects(assertInflatedSize(readPngLayout(garbage, 'x.png', 50), 'x.png'), (e) => e instanceof ImageFileError && /^x\.png: cannot decode the PNG image \(.+\); the file may be truncated or corrupt$/.test(e.message));
    assert.throws(() => readPngLayout(exact.subarray(0, exact.length - 20), 'x.png', 50), (e) => e instanceof ImageFileError && /\(truncated IDAT chunk\)/.test(e.message));
    const noIdat = rgbPng(2, 2, false, Buffer.alloc(0));
    assert.throws(() => readPngLayout(Buffer.concat([noIdat.subarray(0, 33), noIdat.subarray(noIdat.length - 12)]), 'x.png', 50), (e) => e instanceof ImageFileError && /no IDAT chunk/.test(e.message));
  });

  test('the pixel cap is read from the header: 7,072 × 7,072 (50.01 MP) is refused, 7,071 × 7,071 passes the header; 0 × 5 has no pixels', async () => {
    const stream = await zerosStream(1);
    assert.throws(() => readPngLayout(rgbPng(7072, 7072, false, stream), 'big.png', 50), (e) => e instanceof ImageFileError && /7072×7072 pixels, more than 50 megapixels/.test(e.message));
    assert.equal(readPngLayout(rgbPng(7071, 7071, false, stream), 'big.png', 50).rawBytes, 7071 * (1 + 7071 * 3));
    assert.throws(() => readPngLayout(rgbPng(0, 5, false, stream), 'empty.png', 50), (e) => e instanceof ImageFileError && /^empty\.png: the image has no pixels \(0×5\)$/.test(e.message));
  });
});
