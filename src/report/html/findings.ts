import { findingsIntro, INTERACTIONS_INTRO } from '../leaderboard/finding-sentence.js';
import type { EffectVerdict } from '../leaderboard/finding-types.js';
import type { Leaderboard } from '../leaderboard/types.js';
import { esc } from './escape.js';

const VERDICT_CLASS: Record<EffectVerdict, string> = {
  better: 'clear', worse: 'clear', 'not distinguishable at 95 %': 'tie', 'too few values': 'few',
};

/**
 * The report's "Findings" section (one sentence per level of each swept factor, then the interactions), or
 * nothing when no param has two levels among the finished trials. A list, to spread into the report's parts.
 */
export function findingsSectionHtml(lb: Leaderboard): string[] {
  const f = lb.findings;
  if (f.factors.length === 0) return [];
  const factors = f.factors.map((factor) => {
    const items = factor.effects.map((e) => `<li class="${VERDICT_CLASS[e.verdict]}">${esc(e.sentence)}</li>`).join('');
    return `<h3>${esc(`${factor.param} (reference: ${String(factor.reference)})`)}</h3><ul class="findings">${items}</ul>`;
  });
  const interactions =
    f.interactions.length === 0
      ? ''
      : `<h3>Interactions</h3><p class="caption">${esc(INTERACTIONS_INTRO)}</p><ul class="findings">${f.interactions
          .map((i) => `<li class="${i.depends ? 'clear' : 'tie'}">${esc(i.sentence)}</li>`)
          .join('')}</ul>`;
  const skipped =
    f.skipped.length === 0 ? '' : `<p class="muted">${esc(`Not analysed: ${f.skipped.map((s) => `${s.param} (${s.reason})`).join('; ')}.`)}</p>`;
  return [`<section id="findings"><h2>Findings</h2>${f.profileNote ? `<p class="profile-note">Differs from the spec as written: ${esc(f.profileNote)}.</p>` : ''}<p class="caption">${esc(findingsIntro(f))}</p>${factors.join('')}${interactions}${skipped}</section>`];
}
