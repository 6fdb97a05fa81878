import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/cli.js';
import { BUNDLE_GLOBALS, bundleModule } from '../../src/spec/module-bundle.js';

const EXAMPLE_MODULE = join(REPO_ROOT, 'examples', 'tfjs-module', 'model.ts');
const STRANGER = 12345;

/** Each entry of a directory with its kind, owner and size: what a bundle must leave as it was. */
const listing = (dir: string) =>
  readdirSync(dir).sort().map((name) => {
    const st = lstatSync(join(dir, name));
    return { name, kind: st.isSymbolicLink() ? 'link' : st.isDirectory() ? 'dir' : 'file', uid: st.uid, size: st.size };
  });

test("a shim directory that another user made first has no effect on a module's bundle (the shims are virtual)", (t) => {
  const base = mkdtempSync(join(tmpdir(), 'sweep-shim-attack-'));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  // What the other user wants to overwrite through us, and the temp dir they share with us.
  const victim = join(base, 'victim.txt');
  writeFileSync(victim, 'precious\n');
  const sharedTmp = join(base, 'tmp');
  const shims = join(sharedTmp, 'sweep-module-shims');
  mkdirSync(shims, { recursive: true });
  // Their shims: code that would go into every bundle; one name taken by a directory (a write there fails), one a
  // link to the victim (a write there overwrites it); a package.json and tsconfig.json that would steer esbuild.
  writeFileSync(join(shims, 'sweep-tfjs.cjs.planted'), 'globalThis.__pwned = true; module.exports = {};\n');
  mkdirSync(join(shims, 'sweep-tfjs.cjs'));
  writeFileSync(join(shims, 'sweep-tfjs.cjs', 'index.js'), 'globalThis.__pwned = true;\n');
  symlinkSync(victim, join(shims, 'sweep-zod.cjs'));
  writeFileSync(join(shims, 'package.json'), '{ "type": "module", "browser": { "./sweep-tfjs.cjs": "./sweep-tfjs.cjs.planted" } }\n');
  writeFileSync(join(shims, 'tsconfig.json'), '{ "compilerOptions": { "paths": { "*": ["./sweep-tfjs.cjs.planted"] } } }\n');
  // The tests run as root: hand the directory and everything in it (links themselves, not their targets) to another uid.
  execFileSync('chown', ['-R', '-h', `${STRANGER}:${STRANGER}`, sharedTmp]);
  const before = listing(shims);
  assert.ok(before.every((e) => e.uid === STRANGER));

  const reference = bundleModule(EXAMPLE_MODULE);
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = sharedTmp; // os.tmpdir(): where the shim directory used to be
  let hostile;
  try {
    assert.equal(tmpdir(), sharedTmp);
    hostile = bundleModule(EXAMPLE_MODULE);
  } finally {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
  }

  assert.equal(hostile.sha256, reference.sha256, 'the same bundle as without their directory');
  assert.equal(hostile.code, reference.code);
  assert.ok(!hostile.code.includes('__pwned'), 'none of their code is in it');
  assert.ok(!hostile.code.includes('sweep-module-shims'), 'it names no shim file');
  assert.ok(hostile.code.includes(`globalThis.${BUNDLE_GLOBALS.tfjs}`) && hostile.code.includes(`globalThis.${BUNDLE_GLOBALS.zod}`), "its imports read the engine's globals");
  assert.equal(readFileSync(victim, 'utf8'), 'precious\n', 'nothing was written through their link');
  assert.deepEqual(listing(shims), before, 'their directory is as they left it');
});

test('the bundle is deterministic: the same source gives the same sha256, from any working directory', (t) => {
  const first = bundleModule(EXAMPLE_MODULE);
  const cwd = process.cwd();
  const elsewhere = mkdtempSync(join(tmpdir(), 'sweep-shim-cwd-'));
  t.after(() => rmSync(elsewhere, { recursive: true, force: true }));
  process.chdir(elsewhere);
  try {
    assert.equal(bundleModule(EXAMPLE_MODULE).sha256, first.sha256);
  } finally {
    process.chdir(cwd);
  }
  assert.equal(bundleModule(EXAMPLE_MODULE).sha256, first.sha256);
});
