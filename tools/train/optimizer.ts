import type { Mlp } from '../../src/model/mlp.js';
import type { Gradients } from './backprop.js';

export interface AdamOptions {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** decoupled weight decay per unit of learning rate (AdamW); biases are not decayed */
  readonly weightDecay: number;
}

export const ADAM_DEFAULTS: AdamOptions = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 };

/**
 * Adam (Kingma & Ba 2015) with decoupled weight decay (AdamW, Loshchilov & Hutter 2019).
 * Updates the Mlp's Float32 parameters in place; the moment estimates stay in float64.
 */
export class Adam {
  private readonly m: Float64Array[];
  private readonly v: Float64Array[];
  private t = 0;

  constructor(
    private readonly mlp: Mlp,
    private readonly options: AdamOptions = ADAM_DEFAULTS,
  ) {
    const sizes = mlp.layers.flatMap((l) => [l.weights.length, l.bias.length]);
    this.m = sizes.map((s) => new Float64Array(s));
    this.v = sizes.map((s) => new Float64Array(s));
  }

  step(grads: Gradients, lr: number): void {
    const { beta1, beta2, weightDecay } = this.options;
    this.t++;
    const c1 = 1 - beta1 ** this.t;
    const c2 = 1 - beta2 ** this.t;
    this.mlp.layers.forEach((layer, l) => {
      this.update(layer.weights, grads.weights[l]!, 2 * l, lr, c1, c2, weightDecay);
      this.update(layer.bias, grads.bias[l]!, 2 * l + 1, lr, c1, c2, 0);
    });
  }

  private update(p: Float32Array, g: Float64Array, slot: number, lr: number, c1: number, c2: number, decay: number): void {
    const { beta1, beta2, epsilon } = this.options;
    const m = this.m[slot]!;
    const v = this.v[slot]!;
    const shrink = 1 - lr * decay;
    for (let i = 0; i < p.length; i++) {
      const gi = g[i]!;
      m[i] = beta1 * m[i]! + (1 - beta1) * gi;
      v[i] = beta2 * v[i]! + (1 - beta2) * gi * gi;
      p[i] = p[i]! * shrink - (lr * (m[i]! / c1)) / (Math.sqrt(v[i]! / c2) + epsilon);
    }
  }
}
