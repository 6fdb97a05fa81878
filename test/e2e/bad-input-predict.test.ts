// `sweep predict` with every kind of bad model and image file: exit 2, one line naming the file and the fix, no
// stack trace; the same command with good inputs exits 0, and --verbose adds the stack.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { seedArchitecture, useBackend } from '../fixtures/onnx/models.js';
import { exportToOnnx } from '../../src/export/onnx-exporter.js';
import { onnxMetadata } from '../../src/export/metadata.js';
import { onnx } from '../../src/export/onnx-proto.js';
import { encodePng } from '../../src/report/html/png.js';

/** Exit 2 and exactly one line on stderr, matching `message`, without a stack frame. */
function assertBadInput(res: CliResult, message: RegExp): void {
  assert.equal(res.code, 2, `exit code (stderr: ${res.stderr})`);
  assert.equal(res.stdout, '');
  assert.ok(!res.stderr.includes('    at '), `a stack trace on stderr:\n${res.stderr}`);
  assert.doesNotMatch(res.stderr, /unexpected error/);
  const lines = res.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line, got:\n${res.stderr}`);
  assert.match(lines[0]!, message);
}

describe('sweep predict: bad input exits 2 with one clear line', () => {
  let dir = '';
  let model = '';
  let image = '';
  const predict = (...args: string[]) => runCli(['predict', ...args], { timeoutMs: 60_000 });
  const file = (name: string, bytes: Uint8Array | string) => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };

  before(async () => {
    await useBackend('cpu');
    dir = mkdtempSync(join(tmpdir(), 'sweep-bad-predict-'));
    const tfModel = seedArchitecture('none', 3);
    model = file('model.onnx', exportToOnnx(tfModel, onnxMetadata({ normalization: { kind: 'scale' }, classNames: Array.from({ length: 10 }, (_, i) => `c${i}`) })));
    file('bare.onnx', exportToOnnx(tfModel, {}));
    const proto = onnx.ModelProto.decode(readFileSync(model));
    proto.graph!.node![0]!.opType = 'NoSuchOperator';
    file('broken-graph.onnx', onnx.ModelProto.encode(proto).finish());
    image = file('image.png', encodePng(16, 16, 3, Array.from({ length: 16 * 16 * 3 }, (_, i) => (i * 37) % 256)));
    tfModel.dispose();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('good inputs work (the control for every case below), at any image size', async () => {
    const res = await predict(model, image, file('one-pixel.png', encodePng(1, 1, 3, [10, 200, 30])), '--json');
    assert.equal(res.code, 0, res.stderr);
    const out = JSON.parse(res.stdout) as { file: string; top: unknown[] }[];
    assert.equal(out.length, 2);
    assert.equal(out[0]!.top.length, 3);
  });

  test('the model: missing, a folder, not ONNX, empty, no sweep layout', async () => {
    assertBadInput(await predict(join(dir, 'missing.onnx'), image), /missing\.onnx: cannot read model \(no such file; check the path\)$/);
    const folder = join(dir, 'folder.onnx');
    mkdirSync(folder);
    assertBadInput(await predict(folder, image), /folder\.onnx: cannot read model \(it is a directory; give a file\)$/);
    assertBadInput(await predict('/etc/passwd', image), /^\/etc\/passwd: not an ONNX model \(.*\); give a \.onnx file written by `sweep export`/);
    assertBadInput(await predict(file('empty.onnx', ''), image), /empty\.onnx: expected an input 'input' and an output 'probabilities'.*`sweep export`/);
  });

  test('the model: metadata sweep predict needs, with the flag that works around it', async () => {
    const bare = join(dir, 'bare.onnx');
    assertBadInput(await predict(bare, image), /bare\.onnx: metadata 'normalize' is missing; .*--normalize scale\|none/);
    const res = await predict(bare, image, '--normalize', 'scale');
    assert.equal(res.code, 0, res.stderr);
  });

  test('the model: a graph onnxruntime cannot load', async () => {
    assertBadInput(await predict(join(dir, 'broken-graph.onnx'), image), /broken-graph\.onnx: onnxruntime cannot load the model \(.*\); re-export it with `sweep export`$/);
  });

  test('the images: missing, not an image, truncated PNG and JPEG, a PNG claiming a huge size', async () => {
    assertBadInput(await predict(model, image, join(dir, 'nope.png')), /nope\.png: cannot read image \(no such file; check the path\)$/);
    assertBadInput(await predict(model, file('notes.png', 'hello, not an image')), /notes\.png: not a PNG or JPEG file \(.*convert the image/);
    const png = readFileSync(image);
    assertBadInput(await predict(model, file('cut.png', png.subarray(0, 45))), /cut\.png: cannot decode the PNG image \(.*\); the file may be truncated or corrupt$/);
    const huge = Buffer.from(png);
    huge.writeUInt32BE(100_000, 16);
    huge.writeUInt32BE(100_000, 20);
    assertBadInput(await predict(model, file('huge.png', huge)), /huge\.png: the image is 100000×100000 pixels, more than 50 megapixels; scale it down/);
    const jpg = Buffer.from(jpeg.encode({ data: Buffer.alloc(32 * 32 * 4, 128), width: 32, height: 32 }, 90).data);
    assertBadInput(await predict(model, file('cut.jpg', jpg.subarray(0, 200))), /cut\.jpg: cannot decode the JPEG image \(.*\); the file may be truncated or corrupt$/);
  });

  test('a bad flag value is a usage error (exit 2), not a stack', async () => {
    const res = await predict(model, image, '--top', '0');
    assert.equal(res.code, 2);
    assert.match(res.stderr, /--top <k>' argument '0' is invalid/);
    assert.ok(!res.stderr.includes('    at '));
  });

  test('--verbose appends the stack to the same message', async () => {
    const res = await runCli(['--verbose', 'predict', '/etc/passwd', image], { timeoutMs: 60_000 });
    assert.equal(res.code, 2);
    assert.match(res.stderr, /^\/etc\/passwd: not an ONNX model/);
    assert.match(res.stderr, /\n {4}at /);
  });
});
