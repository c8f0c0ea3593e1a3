import type { Mlp } from '../../src/model/mlp.js';
import { cloneMlp } from './init.js';

/**
 * Exponential moving average of the weights, the exponential form of Polyak averaging
 * (Polyak & Juditsky 1992):
 * the average of the last ~1/(1-decay) steps sits nearer the bottom of the valley than any
 * single noisy step, and usually generalises better. The average is itself an Mlp, ready to
 * evaluate or save.
 */
export class WeightAverage {
  readonly mlp: Mlp;
  private updates = 0;

  constructor(
    private readonly source: Mlp,
    private readonly decay: number,
  ) {
    this.mlp = cloneMlp(source);
  }

  update(): void {
    this.updates++;
    // early on the average would be dragged towards the random init; (1+t)/(10+t) forgets it fast
    const d = Math.min(this.decay, (1 + this.updates) / (10 + this.updates));
    this.mlp.layers.forEach((avg, l) => {
      const live = this.source.layers[l]!;
      blend(avg.weights, live.weights, d);
      blend(avg.bias, live.bias, d);
    });
  }
}

function blend(avg: Float32Array, live: Float32Array, decay: number): void {
  for (let i = 0; i < avg.length; i++) avg[i] = decay * avg[i]! + (1 - decay) * live[i]!;
}
