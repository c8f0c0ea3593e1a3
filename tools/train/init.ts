import { createMlp, type Architecture, type Mlp } from '../../src/model/mlp.js';
import type { Rng } from './rng.js';

/**
 * Fresh parameters for an architecture. Biases start at 0. Weights feeding a sigmoid (and the
 * softmax layer) use Glorot/Xavier uniform, a = sqrt(6 / (in + out)), which keeps the
 * variance of activations and gradients level through saturating units; weights feeding a
 * ReLU use He normal, std = sqrt(2 / in), which compensates for ReLU zeroing half its inputs.
 * (Glorot & Bengio 2010; He et al. 2015; the book's section 6.2.)
 */
export function initMlp(arch: Architecture, rng: Rng): Mlp {
  const params = arch.sizes.slice(1).map((outSize, i) => {
    const inSize = arch.sizes[i]!;
    const weights = new Float32Array(inSize * outSize);
    if (arch.hidden[i] === 'relu') {
      const std = Math.sqrt(2 / inSize);
      for (let k = 0; k < weights.length; k++) weights[k] = std * rng.normal();
    } else {
      const a = Math.sqrt(6 / (inSize + outSize));
      for (let k = 0; k < weights.length; k++) weights[k] = rng.uniform(-a, a);
    }
    return { weights, bias: new Float32Array(outSize) };
  });
  return createMlp(arch, params);
}

/** A deep copy, so that a snapshot (or an average) can evolve apart from the live weights. */
export function cloneMlp(mlp: Mlp): Mlp {
  return {
    ...mlp,
    layers: mlp.layers.map((l) => ({ ...l, weights: l.weights.slice(), bias: l.bias.slice() })),
  };
}
