import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { WebGpuAdapterProbe } from './webgpu.js';

const HERE = fileURLToPath(import.meta.url);
const PROBE_TIMEOUT_MS = 60_000;

/** The probe entry next to this file, and how to start it: through tsx when running from the sources. */
function entry(): { file: string; execArgv: string[] } {
  if (HERE.endsWith('.ts')) return { file: HERE.replace(/quiet-probe\.ts$/, 'webgpu-probe-main.ts'), execArgv: ['--import', import.meta.resolve('tsx')] };
  return { file: HERE.replace(/quiet-probe\.js$/, 'webgpu-probe-main.js'), execArgv: [] };
}

/**
 * `probeWebGpu` in a child process whose stderr is captured, so Dawn's native warnings (written straight to fd 2,
 * out of reach of any logger) never reach this process's terminal or log while `auto` only looks for a GPU.
 * The adapter found is then opened in this process (where warnings are fine: webgpu is selected).
 */
export function probeWebGpuQuietly(allowSoftware: boolean): Promise<WebGpuAdapterProbe> {
  const { file, execArgv } = entry();
  return new Promise((resolve) => {
    execFile(process.execPath, [...execArgv, file, allowSoftware ? 'software' : 'hardware'], { timeout: PROBE_TIMEOUT_MS }, (err, stdout) => {
      const line = stdout.trim().split('\n').at(-1) ?? '';
      try {
        resolve(JSON.parse(line) as WebGpuAdapterProbe);
      } catch {
        const why = err ? err.message.split('\n')[0] : 'no answer';
        resolve({ ok: false, description: '', software: false, dawnOptions: [], compatibility: false, reason: `the probe process failed: ${why}` });
      }
    });
  });
}
