import { SEED_PARAM } from '../../domain/config-group.js';
import type { Objective, Scalar } from '../../domain/trial-config.js';
import { pairedDifference, welchDifference, type DifferenceEstimate } from '../stats/mean-difference.js';
import type { SweepView } from '../types.js';
import { pairedContrasts, type FinishedValue } from './contrast-cells.js';
import { effectSentence, interactionSentence } from './finding-sentence.js';
import type { FactorFindings, Findings, InteractionFinding, LevelEffect } from './finding-types.js';
import { SIGNIFICANCE_LEVEL } from './group-comparison.js';
import { isBetter } from './objective.js';
import type { GroupRow, TrialRow } from './types.js';

/** A param with more levels than this (a sampled or continuous one) gets no per-level findings. */
export const MAX_FINDING_LEVELS = 12;

/** The finished trials that count: members of the ranked groups (never pruned, failed or unfinished ones). */
function finishedValues(trials: readonly TrialRow[], groups: readonly GroupRow[]): FinishedValue[] {
  const members = new Set(groups.flatMap((g) => g.trialIds));
  return trials
    .filter((t) => members.has(t.id) && t.objective !== null)
    .map((t) => ({ params: t.params, seed: t.seed, value: t.objective! }));
}

/** A param's levels among the finished trials, in the order they first appear in the sweep's trials. */
function levelsOf(param: string, finished: readonly FinishedValue[], view: SweepView): Scalar[] {
  const present = new Set(finished.map((v) => v.params[param]).filter((l): l is Scalar => l !== undefined));
  const ordered: Scalar[] = [];
  for (const t of view.trials) {
    const level = t.params[param];
    if (level !== undefined && present.has(level) && !ordered.includes(level)) ordered.push(level);
  }
  return ordered;
}

function judged(estimate: DifferenceEstimate, level: Scalar, reference: Scalar, objective: Objective): Scalar | null {
  if (!(estimate.p < SIGNIFICANCE_LEVEL) || estimate.estimate === 0) return null;
  return isBetter(estimate.estimate, 0, objective.goal) ? level : reference;
}

function levelEffect(param: string, level: Scalar, reference: Scalar, finished: readonly FinishedValue[], objective: Objective): LevelEffect {
  const { contrasts, termValues } = pairedContrasts(finished, [
    { where: { [param]: level }, weight: 1 },
    { where: { [param]: reference }, weight: -1 },
  ]);
  const [atLevel = [], atReference = []] = termValues;
  const counts = { level, reference, nLevel: atLevel.length, nReference: atReference.length };
  const method = contrasts.length >= 2 ? 'paired' : atLevel.length >= 2 && atReference.length >= 2 ? 'welch' : 'too few values';
  let effect: Omit<LevelEffect, 'sentence'>;
  if (method === 'too few values') {
    effect = { ...counts, method, pairs: 0, difference: null, ci95: null, t: null, df: null, p: null, verdict: method, better: null };
  } else {
    const estimate = method === 'paired' ? pairedDifference(contrasts) : welchDifference(atLevel, atReference);
    const better = judged(estimate, level, reference, objective);
    effect = {
      ...counts, method, pairs: method === 'paired' ? contrasts.length : 0,
      difference: estimate.estimate, ci95: estimate.ci95, t: estimate.t, df: estimate.df, p: estimate.p,
      verdict: better === null ? 'not distinguishable at 95 %' : better === level ? 'better' : 'worse',
      better,
    };
  }
  return { ...effect, sentence: effectSentence(param, objective.metric, effect) };
}

function interactions(factors: readonly FactorFindings[], finished: readonly FinishedValue[], metric: string): InteractionFinding[] {
  const found: InteractionFinding[] = [];
  factors.forEach((f, i) => {
    for (const g of factors.slice(i + 1)) {
      for (const level of f.levels.slice(1)) {
        for (const otherLevel of g.levels.slice(1)) {
          const cell = (a: Scalar, b: Scalar): Record<string, Scalar> => ({ [f.param]: a, [g.param]: b });
          const { contrasts } = pairedContrasts(finished, [
            { where: cell(level, otherLevel), weight: 1 },
            { where: cell(f.reference, otherLevel), weight: -1 },
            { where: cell(level, g.reference), weight: -1 },
            { where: cell(f.reference, g.reference), weight: 1 },
          ]);
          if (contrasts.length < 2) continue;
          const e = pairedDifference(contrasts);
          const finding = {
            param: f.param, level, reference: f.reference, otherParam: g.param, otherLevel, otherReference: g.reference,
            pairs: contrasts.length, difference: e.estimate, ci95: e.ci95, t: e.t, df: e.df, p: e.p, depends: e.p < SIGNIFICANCE_LEVEL,
          };
          found.push({ ...finding, sentence: interactionSentence(metric, finding) });
        }
      }
    }
  });
  return found;
}

/**
 * For every swept param (never the seed) with 2 to MAX_FINDING_LEVELS levels among the finished trials, the effect
 * of each level against the reference (its first level in the sweep's trial order, i.e. the order the spec lists
 * grid values) on the objective: paired within cells of equal seed and other params when ≥ 2 pairs exist, else
 * Welch with ≥ 2 values per side, else "too few values". Then, for two such params, whether an effect depends on
 * the other param (only where ≥ 2 complete cells pair it). See docs/statistics.md.
 */
export function buildFindings(
  view: SweepView,
  trials: readonly TrialRow[],
  groups: readonly GroupRow[],
  sweptParams: readonly string[],
): Findings {
  const finished = finishedValues(trials, groups);
  const factors: FactorFindings[] = [];
  const skipped: Findings['skipped'] = [];
  for (const param of sweptParams.filter((p) => p !== SEED_PARAM)) {
    const levels = levelsOf(param, finished, view);
    if (levels.length < 2) {
      skipped.push({ param, reason: levels.length === 0 ? 'not set on any finished trial' : `one level among the finished trials (${String(levels[0])})` });
      continue;
    }
    if (levels.length > MAX_FINDING_LEVELS) {
      skipped.push({ param, reason: `${levels.length} levels among the finished trials (findings list at most ${MAX_FINDING_LEVELS})` });
      continue;
    }
    const reference = levels[0]!;
    const effects = levels.slice(1).map((level) => levelEffect(param, level, reference, finished, view.objective));
    factors.push({ param, levels, reference, effects });
  }
  return {
    profileNote: view.profileNote ?? null,
    metric: view.objective.metric,
    goal: view.objective.goal,
    trials: finished.length,
    factors,
    skipped,
    interactions: interactions(factors, finished, view.objective.metric),
  };
}
