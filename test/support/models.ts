/** Small deterministic networks for tests that exercise the service, not the book's numbers. */
import { createMlp } from '../../src/model/mlp.js';
import type { LoadedModel } from '../../src/model/weights/types.js';

/** A 784-16-10 sigmoid network with fixed pseudo-random weights (no file involved); another seed, another network. */
export function toyDigitModel(seed = 12345): LoadedModel {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31 - 0.5;
  };
  const sizes = [784, 16, 10];
  const arch = { sizes, hidden: ['sigmoid' as const], output: 'softmax' as const };
  const mlp = createMlp(arch, [
    { weights: Float32Array.from({ length: 784 * 16 }, next), bias: Float32Array.from({ length: 16 }, next) },
    { weights: Float32Array.from({ length: 16 * 10 }, () => next() * 8), bias: Float32Array.from({ length: 10 }, next) },
  ]);
  return {
    mlp,
    info: { name: 'toy', sha256: '0'.repeat(64), file: '<memory>', format: 'safetensors', architecture: arch, metadata: {} },
  };
}
