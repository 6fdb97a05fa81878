/** mulberry32 with an exposed 32-bit state, so a resumed trial continues the same sequence. */
export class SeededRandom {
  constructor(private state: number) {
    this.state = state >>> 0;
  }

  static fromSeed(seed: number): SeededRandom {
    // Mix the seed so that nearby seeds (1, 2, 3…) start far apart.
    return new SeededRandom(Math.imul((Math.trunc(seed) ^ 0x5bd1e995) >>> 0, 0x85ebca6b) >>> 0);
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  getState(): number {
    return this.state;
  }

  /** A fresh permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Uint32Array {
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const tmp = order[i]!;
      order[i] = order[j]!;
      order[j] = tmp;
    }
    return order;
  }
}

/** A well-mixed 31-bit seed from several integers (trial seed, step, layer), for tfjs random ops. */
export function deriveSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    h = Math.imul(h ^ (part >>> 0), 0x01000193);
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
    h ^= h >>> 12;
  }
  return (h >>> 0) & 0x7fffffff;
}
