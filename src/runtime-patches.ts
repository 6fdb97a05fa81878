/**
 * The process's global patches and native bridges (a tfjs-layers prototype replaced, nats.js internals patched,
 * the oneDNN addon), each with whether it is active and, when not, why. Every patch asserts the versions and
 * exports it relies on before it applies, and records its decision here: logged once per patch (again only when
 * the decision changes), and exported on the worker's /metrics as sweep_runtime_patch_active{patch}.
 */
import { createLogger, type Logger } from './log.js';

export interface PatchStatus {
  active: boolean;
  /** Why it is not active (null when it is). */
  reason: string | null;
  /** The version of what it patches or bridges (e.g. tfjs-layers 4.22.0), when known. */
  version: string | null;
  /** Turned off on purpose (SWEEP_ONEDNN=0, uninstalled), not refused by a check: logged at info, not warn. */
  disabled?: boolean;
}

export type PatchStatuses = Record<string, PatchStatus>;

/** Where decisions are logged: `level` is warn for a patch that could not apply, info otherwise. */
export type PatchLog = (level: 'info' | 'warn', fields: { patch: string } & PatchStatus, msg: string) => void;

const statuses = new Map<string, PatchStatus>();
let logger: Logger | null = null;
let sink: PatchLog = (level, fields, msg) => {
  logger ??= createLogger('sweep').child({ component: 'runtime-patches' });
  logger[level](fields, msg);
};

/** Sends decision logs elsewhere (a trainer child reports its statuses over IPC instead). Returns the previous sink. */
export function setPatchLog(log: PatchLog): PatchLog {
  const previous = sink;
  sink = log;
  return previous;
}

/**
 * Records whether `name` is active. Logs when the decision is new or changed: info when active or disabled on
 * purpose, warn when a check refused it.
 */
export function recordPatch(name: string, status: PatchStatus): PatchStatus {
  const previous = statuses.get(name);
  const entry: PatchStatus = {
    active: status.active,
    reason: status.active ? null : status.reason,
    version: status.version,
    ...(!status.active && status.disabled ? { disabled: true } : {}),
  };
  statuses.set(name, entry);
  if (previous && previous.active === entry.active && previous.reason === entry.reason && previous.version === entry.version) return entry;
  const fields = { patch: name, ...entry };
  const of = entry.version ? ` (${entry.version})` : '';
  if (entry.active) sink('info', fields, `runtime patch ${name} active${of}`);
  else sink(entry.disabled ? 'info' : 'warn', fields, `runtime patch ${name} not active${of}: ${entry.reason ?? 'no reason given'}`);
  return entry;
}

/** Every decision recorded in this process so far, by patch name. */
export function patchStatuses(): PatchStatuses {
  return Object.fromEntries([...statuses].map(([name, s]) => [name, { ...s }]));
}

/** A range of versions a patch was written for: at least `min`, below `below`. */
export interface VersionRange {
  min: string;
  below: string;
}

export const describeRange = (r: VersionRange): string => `>=${r.min} <${r.below}`;

function parseVersion(v: string): [number, number, number] | null {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$/.exec(v.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

function compareVersions(a: [number, number, number], b: [number, number, number]): number {
  for (let i = 0; i < 3; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Null when `version` of `what` lies in `range`, else why not (for the patch's status). A pre-release counts as
 * its release; an unreadable or missing version is out of range.
 */
export function checkVersion(what: string, version: string | null | undefined, range: VersionRange): string | null {
  const parsed = typeof version === 'string' ? parseVersion(version) : null;
  const min = parseVersion(range.min);
  const below = parseVersion(range.below);
  if (!min || !below) throw new Error(`bad version range ${describeRange(range)}`);
  if (!parsed) return `cannot read the version of ${what} (${String(version)}); it was written for ${describeRange(range)}`;
  if (compareVersions(parsed, min) < 0 || compareVersions(parsed, below) >= 0) {
    return `${what} ${version} is outside the range it was written for (${describeRange(range)})`;
  }
  return null;
}
