import { describe, expect, it } from 'vitest';
import { stackTop } from '../../src/kernels/pixels.js';
import { keepMainInk } from '../../src/preprocess/components.js';
import {
  Architecture,
  argmaxRows,
  createMlp,
  forward,
  logits,
  logSumExp,
  MAX_LAYERS,
  ModelShapeError,
  residentMlp,
  softmaxRowsInPlace,
} from '../../src/model/mlp.js';

/** A 3-4-3-2 toy network with hand-picked weights, small enough to check by hand. */
function toyMlp() {
  return createMlp({ sizes: [3, 4, 3, 2], hidden: ['sigmoid', 'relu'], output: 'softmax' }, [
    { weights: Float32Array.from({ length: 12 }, (_, i) => (i % 5) * 0.1 - 0.2), bias: Float32Array.of(0.1, -0.1, 0, 0.2) },
    { weights: Float32Array.from({ length: 12 }, (_, i) => ((i * 7) % 4) * 0.3 - 0.4), bias: Float32Array.of(0, 0.5, -0.5) },
    { weights: Float32Array.of(1, -1, 0.5, 0.25, -2, 2), bias: Float32Array.of(0.3, -0.3) },
  ]);
}

describe('softmax', () => {
  it('gives finite, correct probabilities for huge logits', () => {
    const p = softmaxRowsInPlace(Float32Array.of(1000, 1010, 990), 1, 3);
    const e = [Math.exp(-10), 1, Math.exp(-20)];
    const s = e[0]! + e[1]! + e[2]!;
    e.forEach((v, i) => expect(p[i]).toBeCloseTo(v / s, 7));
    expect(p.every(Number.isFinite)).toBe(true);
  });

  it('gives a uniform distribution for equal very negative logits', () => {
    expect(Array.from(softmaxRowsInPlace(Float32Array.of(-1000, -1000), 1, 2))).toEqual([0.5, 0.5]);
  });

  it('normalises each row of a batch on its own', () => {
    const p = softmaxRowsInPlace(Float32Array.of(0, 0, 1, 1, 5, 5), 3, 2);
    expect(Array.from(p)).toEqual([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
  });
});

describe('logSumExp', () => {
  it('does not overflow on large values', () => {
    expect(logSumExp([1000, 1000])).toBeCloseTo(1000 + Math.log(2), 10);
    expect(logSumExp([-1000, -1000])).toBeCloseTo(-1000 + Math.log(2), 10);
  });

  it('matches the naive formula where that one is finite', () => {
    const v = [0.5, -1.25, 2, 3];
    expect(logSumExp(v)).toBeCloseTo(Math.log(v.reduce((a, x) => a + Math.exp(x), 0)), 12);
  });

  it('works on a row inside a larger buffer', () => {
    expect(logSumExp(Float32Array.of(99, 0, 0, 99), 1, 2)).toBeCloseTo(Math.log(2), 7);
  });
});

describe('logits', () => {
  it('computes x @ W + b for a batch, W row-major (in, out)', () => {
    const layer = { weights: Float32Array.of(1, 2, 3, 4, 5, 6), bias: Float32Array.of(0.5, 0, -1) };
    const mlp = createMlp({ sizes: [2, 3], hidden: [], output: 'softmax' }, [layer]);
    expect(Array.from(logits(mlp, Float32Array.of(1, 0, 2, -1), 2))).toEqual([1.5, 2, 2, -1.5, -1, -1]);
  });

  it("gives each hidden layer's activated output to `keep`, the whole batch in order", () => {
    const mlp = toyMlp();
    const x = Float32Array.of(0.2, 0.9, 0, 1, 0.5, 0.25);
    const keep: Float32Array[] = [];
    logits(mlp, x, 2, keep);
    expect(keep.map((h) => h.length)).toEqual([2 * 4, 2 * 3]);
    expect(keep[1]!.every((v) => v >= 0)).toBe(true);
    const h1 = (r: number) =>
      Array.from({ length: 4 }, (_, j) => {
        let sum = mlp.layers[0]!.bias[j]!;
        for (let k = 0; k < 3; k++) sum += x[r * 3 + k]! * mlp.layers[0]!.weights[k * 4 + j]!;
        return 1 / (1 + Math.exp(-sum));
      });
    keep[0]!.forEach((v, i) => expect(v).toBeCloseTo(h1(Math.floor(i / 4))[i % 4]!, 6));
  });
});

describe('forward', () => {
  it('rows sum to 1 and match a float64 reference computed by hand', () => {
    const mlp = toyMlp();
    const x = Float32Array.of(0.2, 0.9, 0);
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    const dense = (inp: number[], w: Float32Array, b: Float32Array, out: number) =>
      Array.from({ length: out }, (_, j) => inp.reduce((a, v, k) => a + v * w[k * out + j]!, b[j]!));
    const [l1, l2, l3] = mlp.layers;
    const h1 = dense(Array.from(x), l1!.weights, l1!.bias, 4).map(sig);
    const h2 = dense(h1, l2!.weights, l2!.bias, 3).map((v) => Math.max(0, v));
    const z = dense(h2, l3!.weights, l3!.bias, 2);
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const expected = e.map((v) => v / (e[0]! + e[1]!));
    const p = forward(mlp, x, 1);
    expect(p[0]).toBeCloseTo(expected[0]!, 6);
    expect(p[1]).toBeCloseTo(expected[1]!, 6);
  });

  it('gives bit-identical rows whether an input is alone or inside a batch', () => {
    const mlp = toyMlp();
    const batch = Float32Array.from({ length: 5 * 3 }, (_, i) => ((i * 37) % 11) / 10);
    const together = forward(mlp, batch, 5);
    for (let r = 0; r < 5; r++) {
      const alone = forward(mlp, batch.slice(r * 3, r * 3 + 3), 1);
      expect(Array.from(alone)).toEqual(Array.from(together.subarray(r * 2, r * 2 + 2)));
    }
  });

  it('gives bit-identical rows across the chunks a large batch goes through the kernel in', () => {
    const mlp = toyMlp();
    const rows = 1_300;
    const batch = Float32Array.from({ length: rows * 3 }, (_, i) => ((i * 7919) % 101) / 100);
    const together = forward(mlp, batch, rows);
    for (const r of [0, 511, 512, 513, 1023, 1024, 1299]) {
      const alone = forward(mlp, batch.slice(r * 3, r * 3 + 3), 1);
      expect(Array.from(alone)).toEqual(Array.from(together.subarray(r * 2, r * 2 + 2)));
    }
  });

  it('refuses an input of the wrong size', () => {
    expect(() => forward(toyMlp(), new Float32Array(4), 1)).toThrow(ModelShapeError);
  });
});

describe('residentMlp', () => {
  const batch = Float32Array.from({ length: 7 * 3 }, (_, i) => ((i * 37) % 11) / 10);

  it('answers bit for bit what the network answers with its parameters copied in per call', () => {
    const mlp = toyMlp();
    const resident = residentMlp(mlp);
    try {
      expect(resident.mlp.kernel).toBeDefined();
      expect(Array.from(forward(resident.mlp, batch, 7))).toEqual(Array.from(forward(mlp, batch, 7)));
    } finally {
      resident.release();
    }
  });

  it('keeps its own copy: training the original afterwards changes nothing it answers', () => {
    const mlp = toyMlp();
    const resident = residentMlp(mlp);
    try {
      const before = Array.from(forward(resident.mlp, batch, 7));
      for (const layer of mlp.layers) layer.weights.fill(0.5);
      expect(Array.from(forward(resident.mlp, batch, 7))).toEqual(before);
      expect(Array.from(forward(mlp, batch, 7))).not.toEqual(before);
    } finally {
      resident.release();
    }
  });

  it("runs in a kernel of its own: the pixel kernels' memory neither holds it nor, growing for a large picture, changes it", () => {
    const bottom = stackTop();
    const resident = residentMlp(toyMlp());
    try {
      expect(stackTop()).toBe(bottom);
      const before = Array.from(forward(resident.mlp, batch, 7));
      const width = 2_000;
      const levels = { width, height: 1_000, data: new Uint8Array(width * 1_000).fill(200) };
      expect(keepMainInk(levels, 100)).toEqual({ x0: 0, y0: 0, x1: width - 1, y1: 999 });
      expect(Array.from(forward(resident.mlp, batch, 7))).toEqual(before);
    } finally {
      resident.release();
    }
  });

  it('refuses to run once released', () => {
    const resident = residentMlp(toyMlp());
    resident.release();
    expect(() => forward(resident.mlp, batch, 7)).toThrow('released');
  });
});

describe('createMlp', () => {
  it('refuses weights that do not match the architecture', () => {
    expect(() =>
      createMlp({ sizes: [2, 2], hidden: [], output: 'softmax' }, [{ weights: new Float32Array(3), bias: new Float32Array(2) }]),
    ).toThrow(/expected 2x2/);
  });

  it('refuses non-finite weights, naming the layer', () => {
    expect(() =>
      createMlp({ sizes: [1, 2], hidden: [], output: 'softmax' }, [{ weights: Float32Array.of(1, NaN), bias: new Float32Array(2) }]),
    ).toThrow(/layer 1 weights: value #1 is NaN/);
  });
});

describe('Architecture', () => {
  it('refuses more layers than MAX_LAYERS by the length of its lists, in one issue each', () => {
    const sizes = Array<number>(100_000).fill(2);
    const parsed = Architecture.safeParse({ sizes, hidden: sizes.slice(2).map(() => 'relu'), output: 'softmax' });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => i.path.join('.'))).toEqual(['sizes', 'hidden']);
    const most = Array<number>(MAX_LAYERS + 1).fill(2);
    expect(Architecture.safeParse({ sizes: most, hidden: most.slice(2).map(() => 'relu'), output: 'softmax' }).success).toBe(true);
  });
});

describe('argmaxRows', () => {
  it('returns the index of the largest value in each row', () => {
    expect(Array.from(argmaxRows(Float32Array.of(0.1, 0.7, 0.2, 0.5, 0.1, 0.4), 2, 3))).toEqual([1, 0]);
  });
});
