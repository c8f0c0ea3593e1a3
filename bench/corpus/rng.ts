/**
 * The corpus's own seeded randomness: mulberry32 (T. Ettinger, public domain), a 32-bit
 * generator that is plenty for drawing rendering parameters. Every image gets its own stream,
 * keyed by (seed, family, index), so any one image can be re-rendered alone, identically.
 */
export class CorpusRng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A stream for one key: FNV-1a of the key's text. */
  static forKey(...key: (string | number)[]): CorpusRng {
    let h = 0x811c9dc5;
    for (const ch of key.join('/')) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
    return new CorpusRng(h);
  }

  /** Uniform in [0, 1). */
  float(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.float();
  }

  /** Uniform integer in lo..hi inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.float() * items.length)]!;
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  /** Standard normal, drawn from a fixed table: one draw per sample, which keeps noisy megapixel renders fast. */
  normal(): number {
    return NORMALS[Math.floor(this.float() * NORMALS.length)]!;
  }
}

/** 2^16 standard normal samples (Box-Muller over a fixed stream), the same in every run. */
const NORMALS = (() => {
  const rng = new CorpusRng(0x5eed);
  return Float32Array.from({ length: 1 << 16 }, () => Math.sqrt(-2 * Math.log(1 - rng.float())) * Math.cos(2 * Math.PI * rng.float()));
})();

/** `n` distinct indices of 0..count-1, the same for a given seed. */
export function sampleIndices(count: number, n: number, seed: number): number[] {
  const rng = CorpusRng.forKey(seed, 'digits');
  const all = Array.from({ length: count }, (_, i) => i);
  for (let i = 0; i < Math.min(n, count); i++) {
    const j = i + Math.floor(rng.float() * (count - i));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all.slice(0, n);
}
