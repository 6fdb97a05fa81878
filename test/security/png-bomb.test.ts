// `sweep predict` on PNGs built to exhaust memory (issue 27): a 1×1 header over ~614 MiB of zeros, interlaced (pngjs
// inflates those without a cap; 1.3 GB RSS before) or not, and a header claiming 20,000 × 20,000. Through the real CLI
// under /usr/bin/time: exit 2, one line naming the file and the limit, and a peak RSS under 300 MB.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { runCli, type CliResult } from '../helpers/cli.js';
import { seedArchitecture, useBackend } from '../fixtures/onnx/models.js';
import { interlacedRgbPng, pngBomb, rgbPng, zerosStream } from '../fixtures/images/png.js';
import { exportToOnnx } from '../../src/export/onnx-exporter.js';
import { onnxMetadata } from '../../src/export/metadata.js';

const MAX_RSS_MB = 300;

function assertOneLine(res: CliResult, message: RegExp): void {
  assert.equal(res.code, 2, `exit code (stderr: ${res.stderr})`);
  assert.equal(res.stdout, '');
  assert.ok(!res.stderr.includes('    at '), `a stack trace on stderr:\n${res.stderr}`);
  const lines = res.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line, got:\n${res.stderr}`);
  assert.match(lines[0]!, message);
}

describe('sweep predict refuses PNG bombs in bounded memory', () => {
  let dir = '';
  let model = '';
  const file = (name: string, bytes: Uint8Array) => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };
  /** Runs `sweep predict` under GNU time; returns the result and the peak RSS in MB. */
  const measuredPredict = async (...images: string[]) => {
    const rssFile = join(dir, 'rss.txt');
    const res = await runCli(['predict', model, ...images], { timeoutMs: 120_000, wrap: ['/usr/bin/time', '-o', rssFile, '-f', '%M'] });
    const maxRssMb = Number(readFileSync(rssFile, 'utf8').trim().split('\n').at(-1)) / 1024;
    assert.ok(maxRssMb > 10, `GNU time reported a peak RSS (${maxRssMb} MB)`);
    return { res, maxRssMb };
  };

  before(async () => {
    await useBackend('cpu');
    dir = mkdtempSync(join(tmpdir(), 'sweep-png-bomb-'));
    const tfModel = seedArchitecture('none', 3);
    model = file('model.onnx', exportToOnnx(tfModel, onnxMetadata({ normalization: { kind: 'scale' } })));
    tfModel.dispose();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('control: valid interlaced and non-interlaced PNGs of odd sizes are classified', async () => {
    const rgb = (w: number, h: number) => Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 53) % 256);
    const interlaced = file('interlaced.png', interlacedRgbPng(9, 5, rgb(9, 5)));
    const onePixel = file('one-interlaced.png', interlacedRgbPng(1, 1, rgb(1, 1)));
    const plain = file('plain.png', rgbPng(3, 2, false, deflateSync(Buffer.from([0, ...rgb(3, 1), 0, ...rgb(3, 1)]))));
    const res = await runCli(['predict', model, interlaced, onePixel, plain, '--json'], { timeoutMs: 120_000 });
    assert.equal(res.code, 0, res.stderr);
    assert.equal((JSON.parse(res.stdout) as unknown[]).length, 3);
  });

  test('the interlaced bomb (1×1 header, ~611 KB, ~614 MiB inflated): exit 2, one line, under 300 MB RSS', async () => {
    const bomb = file('bomb.png', await pngBomb(true));
    const { res, maxRssMb } = await measuredPredict(bomb);
    assertOneLine(res, /bomb\.png: the PNG image data inflates to more than the 4 bytes its 1×1 header allows \(a decompression bomb\); re-encode the image/);
    assert.ok(maxRssMb < MAX_RSS_MB, `peak RSS ${maxRssMb.toFixed(0)} MB, want < ${MAX_RSS_MB}`);
  });

  test('the same bomb without interlacing is refused too (pngjs would cut it silently and decode the first bytes)', async () => {
    const bomb = file('bomb-plain.png', await pngBomb(false, 64));
    const { res, maxRssMb } = await measuredPredict(bomb);
    assertOneLine(res, /bomb-plain\.png: the PNG image data inflates to more than the 4 bytes its 1×1 header allows/);
    assert.ok(maxRssMb < MAX_RSS_MB, `peak RSS ${maxRssMb.toFixed(0)} MB, want < ${MAX_RSS_MB}`);
  });

  test('a header claiming 20,000 × 20,000 pixels is refused from the header, before any inflating', async () => {
    const huge = file('huge.png', rgbPng(20_000, 20_000, true, await zerosStream(4)));
    const { res, maxRssMb } = await measuredPredict(huge);
    assertOneLine(res, /huge\.png: the image is 20000×20000 pixels, more than 50 megapixels; scale it down first/);
    assert.ok(maxRssMb < MAX_RSS_MB, `peak RSS ${maxRssMb.toFixed(0)} MB, want < ${MAX_RSS_MB}`);
  });

  test('an endless image file (/dev/zero) is read only to the file cap and refused', async () => {
    const { res, maxRssMb } = await measuredPredict('/dev/zero');
    assertOneLine(res, /^\/dev\/zero: the image file is larger than 64 MiB, the most sweep predict reads; scale the image down first$/);
    assert.ok(maxRssMb < MAX_RSS_MB, `peak RSS ${maxRssMb.toFixed(0)} MB, want < ${MAX_RSS_MB}`);
  });
});
