import { existsSync, readdirSync } from 'node:fs';

/**
 * Whether this host may have a hardware GPU for WebGPU, judged from device nodes alone (microseconds, no native
 * code): on Linux a GPU driver exposes /dev/dri/renderD* (Mesa: AMD, Intel, nouveau), /dev/nvidia* (NVIDIA) or
 * /dev/dxg (WSL2). Without any of them Dawn can only find a software adapter (llvmpipe), which `auto` never
 * picks, so `auto` skips probing and Dawn stays silent. Other platforms always answer true (Metal, D3D12).
 */
export function mayHaveGpu(root = '/dev'): { possible: boolean; reason: string } {
  if (process.platform !== 'linux') return { possible: true, reason: `${process.platform}: not checked` };
  const dri = listing(`${root}/dri`).filter((n) => n.startsWith('renderD'));
  const nvidia = listing(root).filter((n) => /^nvidia\d+$/.test(n));
  const found = [...dri.map((n) => `${root}/dri/${n}`), ...nvidia.map((n) => `${root}/${n}`), ...(existsSync(`${root}/dxg`) ? [`${root}/dxg`] : [])];
  return found.length > 0
    ? { possible: true, reason: found.join(', ') }
    : { possible: false, reason: `no GPU device (${root}/dri/renderD*, ${root}/nvidia*, ${root}/dxg)` };
}

function listing(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
