import { recordPatch } from '../../../runtime-patches.js';
import { loadOnednn } from './addon.js';
import { onednnSettings } from './settings.js';
import { installOnednnConvKernels, uninstallOnednnConvKernels } from './register.js';

export type OnednnActivation = { active: true; description: string } | { active: false; reason: string };

/** The native bridge's name in the runtime-patch registry (logs, sweep_runtime_patch_active). */
export const ONEDNN_PATCH = 'onednn-kernels';

/**
 * Puts the oneDNN convolution kernels in front of the wasm ones when the addon loads (and the addon's native batch
 * norm and max-pool gradient in front of the project's JS ones, see ./register.ts), or removes them and says
 * why not. `enabled` overrides SWEEP_ONEDNN (the benchmark compares both in one process).
 */
export function activateOnednnConvKernels(enabled?: boolean): OnednnActivation {
  // A stale or missing addon (see loadOnednn's export check) falls back to the wasm kernels, with the reason.
  const off = (reason: string, disabled = false): OnednnActivation => {
    uninstallOnednnConvKernels();
    recordPatch(ONEDNN_PATCH, { active: false, reason, version: null, disabled });
    return { active: false, reason };
  };
  const settings = onednnSettings();
  if (enabled === false) return off('turned off by the caller', true);
  if ('error' in settings) return off(settings.error);
  if (enabled === undefined && !settings.enabled) return off('turned off by SWEEP_ONEDNN=0', true);
  const load = loadOnednn(settings.threads, settings.layout);
  if (!load.ok) return off(load.reason);
  installOnednnConvKernels(load.addon);
  recordPatch(ONEDNN_PATCH, { active: true, reason: null, version: load.version });
  const threads = `${load.threads} thread${load.threads === 1 ? '' : 's'}`;
  return { active: true, description: `oneDNN ${load.version} conv kernels (${threads}, ${load.isa})` };
}
