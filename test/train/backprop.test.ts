import { describe, expect, it } from 'vitest';
import { logits, logSumExp, type HiddenActivation, type Mlp } from '../../src/model/mlp.js';
import { createGradients, lossAndGradients } from '../../tools/train/backprop.js';
import { initMlp } from '../../tools/train/init.js';
import { Rng } from '../../tools/train/rng.js';

const N = 4;

function tinyNet(hidden: HiddenActivation[], seed: number): { mlp: Mlp; x: Float32Array; labels: Uint8Array } {
  const rng = new Rng(seed);
  const mlp = initMlp({ sizes: [6, 5, 4, 3], hidden, output: 'softmax' }, rng);
  // non-zero biases, so that a bias bug cannot hide behind zeros
  for (const l of mlp.layers) for (let j = 0; j < l.bias.length; j++) l.bias[j] = rng.uniform(-0.5, 0.5);
  const x = Float32Array.from({ length: N * 6 }, () => rng.uniform(-1, 1));
  return { mlp, x, labels: Uint8Array.from([0, 2, 1, 2]) };
}

function meanLoss(mlp: Mlp, x: Float32Array, labels: Uint8Array, smoothing: number): number {
  const z = logits(mlp, x, N);
  let loss = 0;
  for (let r = 0; r < N; r++) {
    const lse = logSumExp(z, r * 3, 3);
    for (let j = 0; j < 3; j++) loss += ((j === labels[r] ? 1 - smoothing : 0) + smoothing / 3) * (lse - z[r * 3 + j]!);
  }
  return loss / N;
}

/**
 * Central differences on the float32 parameters, dividing by the distance between the two
 * float32 values actually stored rather than the nominal 2h. h = 1e-3 balances the float32
 * rounding of the forward pass (about 1e-7 / h = 1e-4 at worst, far less in practice) against
 * ReLU kinks: a larger step (1e-2) pushes some pre-activations across 0 and the finite
 * difference then measures a different function.
 */
function numericGradient(mlp: Mlp, x: Float32Array, labels: Uint8Array, smoothing: number, p: Float32Array, i: number): number {
  const keep = p[i]!;
  p[i] = keep + 1e-3;
  const up = p[i]!;
  const lossUp = meanLoss(mlp, x, labels, smoothing);
  p[i] = keep - 1e-3;
  const down = p[i]!;
  const lossDown = meanLoss(mlp, x, labels, smoothing);
  p[i] = keep;
  return (lossUp - lossDown) / (up - down);
}

describe('lossAndGradients', () => {
  const cases: [string, HiddenActivation[], number][] = [
    ['sigmoid', ['sigmoid', 'sigmoid'], 0],
    ['relu', ['relu', 'relu'], 0],
    ['mixed relu/sigmoid with label smoothing', ['relu', 'sigmoid'], 0.1],
  ];
  it.each(cases)('matches central differences on a 6-5-4-3 net (%s) within 1e-4 absolute', (_, hidden, smoothing) => {
    const { mlp, x, labels } = tinyNet(hidden, 11);
    const grads = createGradients(mlp);
    const loss = lossAndGradients(mlp, x, labels, N, grads, smoothing);
    expect(loss).toBeCloseTo(meanLoss(mlp, x, labels, smoothing), 6);
    let worst = 0;
    let largest = 0;
    let checked = 0;
    mlp.layers.forEach((layer, l) => {
      for (const [p, g] of [
        [layer.weights, grads.weights[l]!],
        [layer.bias, grads.bias[l]!],
      ] as const) {
        for (let i = 0; i < p.length; i++) {
          worst = Math.max(worst, Math.abs(g[i]! - numericGradient(mlp, x, labels, smoothing, p, i)));
          largest = Math.max(largest, Math.abs(g[i]!));
          checked++;
        }
      }
    });
    expect(checked).toBe(6 * 5 + 5 + 5 * 4 + 4 + 4 * 3 + 3);
    // the tolerance only means something if the gradients are much larger than it
    expect(largest).toBeGreaterThan(0.05);
    expect(worst).toBeLessThan(1e-4);
  });

  it('stays finite for logits of +-1000', () => {
    const mlp = initMlp({ sizes: [2, 3], hidden: [], output: 'softmax' }, new Rng(1));
    mlp.layers[0]!.weights.set([1000, -1000, 0, 0, 0, 0]);
    const grads = createGradients(mlp);
    const loss = lossAndGradients(mlp, Float32Array.from([1, 0]), Uint8Array.from([1]), 1, grads);
    expect(loss).toBeCloseTo(2000, 6);
    expect([...grads.weights[0]!, ...grads.bias[0]!].every(Number.isFinite)).toBe(true);
    expect(grads.bias[0]![0]).toBeCloseTo(1, 12);
    expect(grads.bias[0]![1]).toBeCloseTo(-1, 12);
  });
});
