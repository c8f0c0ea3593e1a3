import { describe, expect, it } from 'vitest';
import { Rng } from '../../tools/train/rng.js';

const draw = (rng: Rng, n: number): number[] => Array.from({ length: n }, () => rng.nextU32());

describe('Rng', () => {
  it('repeats the same stream for the same seed', () => {
    expect(draw(new Rng(42), 1000)).toEqual(draw(new Rng(42), 1000));
  });

  it('gives unrelated streams for neighbouring seeds', () => {
    const a = draw(new Rng(1), 100);
    const b = draw(new Rng(2), 100);
    expect(a.filter((x, i) => x === b[i])).toHaveLength(0);
  });

  it('keeps its first outputs for seed 1, which every shipped model depends on', () => {
    // pinned: a change here changes every trained weights file; do it on purpose or not at all
    expect(draw(new Rng(1), 4)).toMatchInlineSnapshot(`
      [
        2442144158,
        3238099751,
        3819917871,
        2104621829,
      ]
    `);
  });

  it('draws floats in [0, 1) with a mean near 1/2 and normals with mean 0 and variance 1', () => {
    const rng = new Rng(7);
    const u = Array.from({ length: 20_000 }, () => rng.float());
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(u.reduce((s, x) => s + x, 0) / u.length).toBeCloseTo(0.5, 2);
    const z = Array.from({ length: 20_000 }, () => rng.normal());
    const mean = z.reduce((s, x) => s + x, 0) / z.length;
    const variance = z.reduce((s, x) => s + (x - mean) ** 2, 0) / z.length;
    expect(mean).toBeCloseTo(0, 1);
    expect(variance).toBeCloseTo(1, 1);
  });

  it('shuffles into a permutation, the same one for the same seed', () => {
    const a = new Rng(3).shuffle(Uint32Array.from({ length: 50 }, (_, i) => i));
    const b = new Rng(3).shuffle(Uint32Array.from({ length: 50 }, (_, i) => i));
    expect(a).toEqual(b);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect([...a]).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('refuses seeds that are not 32-bit unsigned integers', () => {
    expect(() => new Rng(-1)).toThrow(RangeError);
    expect(() => new Rng(1.5)).toThrow(RangeError);
    expect(() => new Rng(2 ** 32)).toThrow(RangeError);
  });
});
