import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { CommandRunnerError } from './errors.js';
import { helperPath } from './helper-programs.js';

/**
 * A checkpoint directory travels as a tar archive made by the system's GNU tar, deterministic for the same files:
 * entries sorted by name, mtimes 0, owner and group 0, GNU format (no access or change times). Unpacking
 * touches the files (mtime now) and keeps the runner's owner; GNU tar refuses members outside the directory.
 */
const PACK_ARGS = ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '--format=gnu', '-cf', '-', '.'];
const UNPACK_ARGS = ['-xf', '-', '--touch', '--no-same-owner'];

/** The directory packed with its sha256, or null when it holds nothing (a program that keeps no state). */
export async function packDirectory(dir: string): Promise<{ bytes: Uint8Array; sha256: string } | null> {
  const entries = await readdir(dir).catch((e: unknown) => {
    throw new CommandRunnerError(`could not read the checkpoint directory ${dir}: ${String(e)}`, { cause: e });
  });
  if (entries.length === 0) return null;
  const bytes = await tar(['-C', dir, ...PACK_ARGS], null);
  return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** Unpacks a packDirectory archive into `dir` (which exists). */
export async function unpackInto(bytes: Uint8Array, dir: string): Promise<void> {
  await tar(['-C', dir, ...UNPACK_ARGS], bytes);
}

function tar(args: string[], input: Uint8Array | null): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const child = spawn(helperPath('tar'), args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', (e) => reject(new CommandRunnerError(`tar could not run: ${e.message}`, { cause: e })));
    child.on('close', (code, signal) => {
      if (code === 0) resolve(new Uint8Array(Buffer.concat(out)));
      else reject(new CommandRunnerError(`tar ${args.includes('-cf') ? 'pack' : 'unpack'} failed (${signal ?? `code ${code}`}): ${err.trim().slice(-2_000)}`));
    });
    // EPIPE when tar exits early (a corrupt archive) surfaces as its exit code instead.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? undefined);
  });
}
