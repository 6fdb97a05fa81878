import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import type { TrialConfig } from '../domain/trial-config.js';

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** First 16 hex chars of sha256 over the canonical JSON of the config: same config ⇒ same ID. */
export function trialId(config: TrialConfig): string {
  return sha256Hex(canonicalJson(config)).slice(0, 16);
}
