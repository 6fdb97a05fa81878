import { createHash } from 'node:crypto';
import type { Distribution } from './space.js';
import type { Scalar } from '../domain/trial-config.js';

/**
 * A counter-based PRNG: the draw for (sweep seed, parameter, sample) is a hash of the three, so adding a
 * parameter or a sample never changes the other draws.
 */
export function uniform01(sweepSeed: number, parameter: string, sample: number): number {
  const digest = createHash('sha256').update(`${sweepSeed}/${parameter}/${sample}`).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

export function draw(distribution: Distribution, u: number): Scalar {
  switch (distribution.distribution) {
    case 'choice':
      return distribution.values[Math.floor(u * distribution.values.length)] as Scalar;
    case 'int':
      return distribution.min + Math.floor(u * (distribution.max - distribution.min + 1));
    case 'uniform':
      return roundReal(distribution.min + u * (distribution.max - distribution.min));
    case 'loguniform': {
      const lo = Math.log(distribution.min);
      return roundReal(Math.exp(lo + u * (Math.log(distribution.max) - lo)));
    }
  }
}

/** 10 significant digits: readable, and immune to last-ulp differences of Math.exp/log across engines. */
function roundReal(x: number): number {
  return Number(x.toPrecision(10));
}
