import type { Scalar } from '../../domain/trial-config.js';
import { formatP, formatSigned } from '../render/format.js';
import type { Findings, InteractionFinding, LevelEffect } from './finding-types.js';

const DIGITS = 4;

/** A level as the sentences name it: a string level bare ("dropout"), any other as name=value ("depth=3"). */
export function levelLabel(param: string, level: Scalar): string {
  return typeof level === 'string' ? level : `${param}=${String(level)}`;
}

function interval(ci: readonly [number, number]): string {
  return `[${ci[0].toFixed(DIGITS)}, ${ci[1].toFixed(DIGITS)}]`;
}

function basis(e: Pick<LevelEffect, 'method' | 'pairs' | 'nLevel' | 'nReference'>): string {
  return e.method === 'paired' ? `n = ${e.pairs} pairs` : `Welch, unpaired, n = ${e.nLevel} vs ${e.nReference}`;
}

/**
 * "dropout vs batchnorm: +0.0210 val_accuracy [0.0040, 0.0380], dropout better (p = 0.030, n = 3 pairs)";
 * "… not distinguishable at 95 % (p = 0.410, n = 3 pairs)"; "… too few values for a test (1 vs 1 finished trials)".
 */
export function effectSentence(param: string, metric: string, e: Omit<LevelEffect, 'sentence'>): string {
  const head = `${levelLabel(param, e.level)} vs ${levelLabel(param, e.reference)}`;
  if (e.difference === null || e.ci95 === null || e.p === null) {
    return `${head}: too few values for a test (${e.nLevel} vs ${e.nReference} finished trials, fewer than 2 pairs)`;
  }
  const size = `${formatSigned(e.difference, DIGITS)} ${metric} ${interval(e.ci95)}`;
  const words = e.better === null ? 'not distinguishable at 95 %' : `${levelLabel(param, e.better)} better`;
  return `${head}: ${size}, ${words} (p = ${formatP(e.p)}, ${basis(e)})`;
}

/**
 * "regularizer × optimizer: (dropout vs batchnorm) with adam minus with sgd: +0.0100 val_accuracy [-0.0100, 0.0300],
 * not distinguishable at 95 % (p = 0.410, n = 3 pairs)", or "…, the effect depends on optimizer (p = …)".
 */
export function interactionSentence(metric: string, f: Omit<InteractionFinding, 'sentence'>): string {
  const effect = `(${levelLabel(f.param, f.level)} vs ${levelLabel(f.param, f.reference)})`;
  const across = `with ${levelLabel(f.otherParam, f.otherLevel)} minus with ${levelLabel(f.otherParam, f.otherReference)}`;
  const size = `${formatSigned(f.difference, DIGITS)} ${metric} ${interval(f.ci95)}`;
  const words = f.depends ? `the effect depends on ${f.otherParam}` : 'not distinguishable at 95 %';
  return `${f.param} × ${f.otherParam}: ${effect} ${across}: ${size}, ${words} (p = ${formatP(f.p)}, n = ${f.pairs} pairs)`;
}

/** The lead of a findings section: the metric and its direction, which trials count, and the method. */
export function findingsIntro(f: Pick<Findings, 'metric' | 'goal' | 'trials'>): string {
  return (
    `Effect of each level against the reference level (the first level in the sweep's trial order) on ${f.metric} ` +
    `(${f.goal === 'max' ? 'higher' : 'lower'} is better), from the ${f.trials} finished trials of the ranked groups ` +
    '(pruned, failed and unfinished trials do not count). Pairs share the seed and every other param\'s value; ' +
    'mean paired difference (level − reference), 95 % t CI, two-sided paired t-test (Welch where fewer than 2 pairs).'
  );
}

export const INTERACTIONS_INTRO =
  'Does an effect depend on another param? (level − reference) at one level of the other param minus at its ' +
  'reference level, paired by seed and the remaining params:';
