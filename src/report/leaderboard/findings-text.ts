import { findingsIntro, INTERACTIONS_INTRO } from './finding-sentence.js';
import type { Findings } from './finding-types.js';

/** The "Findings" section of the text leaderboard: per factor its reference and one sentence per level. */
export function findingsText(f: Findings): string {
  const lines = ['Findings', '', ...(f.profileNote ? [`Differs from the spec as written: ${f.profileNote}.`, ''] : []), findingsIntro(f), ''];
  for (const factor of f.factors) {
    lines.push(`${factor.param} (reference: ${String(factor.reference)})`);
    for (const e of factor.effects) lines.push(`  ${e.sentence}`);
  }
  if (f.interactions.length > 0) {
    lines.push('', INTERACTIONS_INTRO);
    for (const i of f.interactions) lines.push(`  ${i.sentence}`);
  }
  if (f.skipped.length > 0) lines.push('', `Not analysed: ${f.skipped.map((s) => `${s.param} (${s.reason})`).join('; ')}.`);
  return lines.join('\n');
}
