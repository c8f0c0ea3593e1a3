/**
 * Backpropagation through the dense layers of an Mlp (the book's chapter 5), for softmax with
 * cross-entropy on top. The forward pass is the serving one (`logits` from the model core),
 * so training optimises exactly the function that is served.
 */
import { logits, logSumExp, type HiddenActivation, type Mlp } from '../../src/model/mlp.js';

/** d(loss)/d(parameter) for every layer, in float64 so that summing a batch loses nothing. */
export interface Gradients {
  /** per layer, (inSize, outSize) like the weights */
  readonly weights: Float64Array[];
  /** per layer, (outSize) */
  readonly bias: Float64Array[];
}

export function createGradients(mlp: Mlp): Gradients {
  return {
    weights: mlp.layers.map((l) => new Float64Array(l.inSize * l.outSize)),
    bias: mlp.layers.map((l) => new Float64Array(l.outSize)),
  };
}

/**
 * Mean cross-entropy of a batch, x (n, inputSize) with integer labels (n), and its gradient,
 * written over `grads`. With label smoothing e the target is (1 - e) on the label and e / K
 * spread over all K classes. The loss is log-sum-exp(z) - sum_j t_j z_j, which never
 * overflows whatever the logits z; its gradient w.r.t. z is softmax(z) - t.
 */
export function lossAndGradients(mlp: Mlp, x: Float32Array, labels: Uint8Array, n: number, grads: Gradients, labelSmoothing = 0): number {
  const hidden: Float32Array[] = [];
  const z = logits(mlp, x, n, hidden);
  const k = mlp.classes;
  const off = labelSmoothing / k;
  const on = 1 - labelSmoothing + off;
  let delta: Float64Array = new Float64Array(n * k);
  let loss = 0;
  for (let r = 0; r < n; r++) {
    const lse = logSumExp(z, r * k, k);
    const y = labels[r]!;
    for (let j = 0; j < k; j++) {
      const t = j === y ? on : off;
      const zj = z[r * k + j]!;
      loss += t * (lse - zj);
      // 1/n here makes every gradient below the gradient of the batch mean
      delta[r * k + j] = (Math.exp(zj - lse) - t) / n;
    }
  }
  for (let l = mlp.layers.length - 1; l >= 0; l--) {
    const layer = mlp.layers[l]!;
    const input = l === 0 ? x : hidden[l - 1]!;
    weightGradient(input, delta, n, layer.inSize, layer.outSize, grads.weights[l]!, grads.bias[l]!);
    if (l > 0) {
      const below = mlp.layers[l - 1]!.activation as HiddenActivation;
      delta = inputDelta(delta, layer.weights, input, below, n, layer.inSize, layer.outSize);
    }
  }
  return loss / n;
}

/**
 * input (n,in)^T @ delta (n,out) -> dW (in,out); column sums of delta -> db (out).
 * Row by row in i-k-j order so both inner loops run over contiguous memory, and zero inputs
 * (most pixels) are skipped as in the forward pass.
 */
function weightGradient(
  input: Float32Array,
  delta: Float64Array,
  n: number,
  inSize: number,
  outSize: number,
  dW: Float64Array,
  db: Float64Array,
): void {
  dW.fill(0);
  db.fill(0);
  for (let r = 0; r < n; r++) {
    const dOff = r * outSize;
    for (let j = 0; j < outSize; j++) db[j] += delta[dOff + j]!;
    const xOff = r * inSize;
    for (let i = 0; i < inSize; i++) {
      const xi = input[xOff + i]!;
      if (xi === 0) continue;
      const wOff = i * outSize;
      for (let j = 0; j < outSize; j++) dW[wOff + j] += xi * delta[dOff + j]!;
    }
  }
}

/**
 * delta (n,out) @ W^T (out,in) -> d(loss)/d(h) (n,in), then times the derivative of the
 * activation that produced h (n,in), read off its output: sigmoid' = h (1 - h), relu' = [h > 0].
 */
function inputDelta(
  delta: Float64Array,
  w: Float32Array,
  h: Float32Array,
  activation: HiddenActivation,
  n: number,
  inSize: number,
  outSize: number,
): Float64Array {
  const out = new Float64Array(n * inSize);
  for (let r = 0; r < n; r++) {
    const dOff = r * outSize;
    for (let i = 0; i < inSize; i++) {
      const hi = h[r * inSize + i]!;
      const slope = activation === 'sigmoid' ? hi * (1 - hi) : hi > 0 ? 1 : 0;
      if (slope === 0) continue;
      const wOff = i * outSize;
      let s = 0;
      for (let j = 0; j < outSize; j++) s += delta[dOff + j]! * w[wOff + j]!;
      out[r * inSize + i] = s * slope;
    }
  }
  return out;
}
