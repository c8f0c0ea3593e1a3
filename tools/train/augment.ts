/**
 * Data augmentation for handwriting: each training image is redrawn through a small random
 * affine map (shift, rotation, scale, shear), optionally followed by an elastic distortion
 * (Simard, Steinkraus & Platt 2003, "Best practices for CNNs applied to visual document
 * analysis"), with bilinear sampling. Fresh warps every epoch make 9,000 digits behave like
 * many more, which is what a small-data MLP needs most.
 */
import type { Rng } from './rng.js';

export const SIDE = 28;
const PIXELS = SIDE * SIDE;
/** pixel centres are at integer coordinates, so the image centre is at (SIDE - 1) / 2 */
const CENTRE = (SIDE - 1) / 2;

export interface AugmentSpec {
  /** largest translation, in pixels, along each axis */
  readonly shift: number;
  /** largest rotation, in degrees */
  readonly rotate: number;
  /** largest relative change of width or height: 0.1 draws each from 0.9..1.1 */
  readonly scale: number;
  /** largest horizontal shear, in degrees */
  readonly shear: number;
  /**
   * Elastic distortion: a smooth random displacement field per axis, the uniform cubic
   * B-spline over a `grid` x `grid` lattice of control displacements drawn from N(0, alpha^2) px.
   * Simard et al. blur white noise with a wide Gaussian instead; the coarse spline gives the
   * same kind of smooth wobble for about a tenth of the arithmetic.
   */
  readonly elastic: { readonly alpha: number; readonly grid: number } | null;
}

/**
 * Named levels for the CLI; `off` trains on the digits as they are. Chosen on the held-out
 * split (docs/TRAINING.md): the small network does worse with `strong` warps than with
 * `light` ones, and best with `elastic`, the light affine map plus a gentle wobble.
 */
export const AUGMENT_LEVELS = {
  off: null,
  light: { shift: 1.5, rotate: 8, scale: 0.08, shear: 8, elastic: null },
  elastic: { shift: 1.5, rotate: 8, scale: 0.08, shear: 8, elastic: { alpha: 1.5, grid: 5 } },
  strong: { shift: 2.5, rotate: 12, scale: 0.12, shear: 12, elastic: null },
  /** pictures that are all drawn upright and facing one way (Fashion-MNIST): a small shift and size change only */
  shift: { shift: 1, rotate: 0, scale: 0.04, shear: 0, elastic: null },
} as const satisfies Record<string, AugmentSpec | null>;
export type AugmentLevel = keyof typeof AUGMENT_LEVELS;

/**
 * Where each output pixel reads from: source = M (p - c - t) + c + displacement(p), where
 * M is the inverse of the affine map applied to the ink and t its translation.
 */
export interface Warp {
  /** inverse linear part, row-major 2x2: [m00 m01; m10 m11] acting on (x, y) */
  readonly m: readonly [number, number, number, number];
  readonly tx: number;
  readonly ty: number;
  /** per-output-pixel extra displacement (SIDE*SIDE each), or null */
  readonly dx: Float64Array | null;
  readonly dy: Float64Array | null;
}

/** Moves the ink by (tx, ty) pixels: +x is right, +y is down. */
export function shiftWarp(tx: number, ty: number): Warp {
  return { m: [1, 0, 0, 1], tx, ty, dx: null, dy: null };
}

/**
 * src (SIDE*SIDE at srcOff) -> dst (SIDE*SIDE at dstOff), bilinear, zero outside the image.
 * Each output is a convex combination of inputs, so values stay within the input's range.
 */
export function warpImage(src: Float32Array, srcOff: number, dst: Float32Array, dstOff: number, w: Warp): void {
  const [m00, m01, m10, m11] = w.m;
  const { dx, dy } = w;
  for (let y = 0; y < SIDE; y++) {
    const v = y - CENTRE - w.ty;
    for (let x = 0; x < SIDE; x++) {
      const p = y * SIDE + x;
      const u = x - CENTRE - w.tx;
      let sx = m00 * u + m01 * v + CENTRE;
      let sy = m10 * u + m11 * v + CENTRE;
      if (dx !== null && dy !== null) {
        sx += dx[p]!;
        sy += dy[p]!;
      }
      dst[dstOff + p] = bilinear(src, srcOff, sx, sy);
    }
  }
}

function bilinear(src: Float32Array, off: number, sx: number, sy: number): number {
  const x0 = Math.floor(sx);
  const y0 = Math.floor(sy);
  const fx = sx - x0;
  const fy = sy - y0;
  if (x0 >= 0 && y0 >= 0 && x0 < SIDE - 1 && y0 < SIDE - 1) {
    // all four neighbours inside: the common case, without per-pixel bounds checks
    const i = off + y0 * SIDE + x0;
    const top = src[i]! * (1 - fx) + src[i + 1]! * fx;
    const bottom = src[i + SIDE]! * (1 - fx) + src[i + SIDE + 1]! * fx;
    return top * (1 - fy) + bottom * fy;
  }
  if (x0 < -1 || y0 < -1 || x0 >= SIDE || y0 >= SIDE) return 0;
  const top = pixel(src, off, x0, y0) * (1 - fx) + pixel(src, off, x0 + 1, y0) * fx;
  const bottom = pixel(src, off, x0, y0 + 1) * (1 - fx) + pixel(src, off, x0 + 1, y0 + 1) * fx;
  return top * (1 - fy) + bottom * fy;
}

function pixel(src: Float32Array, off: number, x: number, y: number): number {
  return x >= 0 && y >= 0 && x < SIDE && y < SIDE ? src[off + y * SIDE + x]! : 0;
}

/** Draws random warps from a spec; owns the scratch space for the elastic fields. */
export class Augmenter {
  private readonly taps: SplineTaps | null;
  private readonly control: Float64Array;
  private readonly alongX: Float64Array;
  private readonly dx = new Float64Array(PIXELS);
  private readonly dy = new Float64Array(PIXELS);

  constructor(
    private readonly spec: AugmentSpec,
    private readonly rng: Rng,
  ) {
    const grid = spec.elastic?.grid ?? 0;
    if (spec.elastic && grid < 2) throw new RangeError(`the elastic grid needs at least 2 control points per side, got ${grid}`);
    this.taps = spec.elastic ? splineTaps(grid) : null;
    this.control = new Float64Array(grid * grid);
    this.alongX = new Float64Array(grid * SIDE);
  }

  randomWarp(): Warp {
    const { spec, rng } = this;
    const rad = Math.PI / 180;
    const angle = rng.uniform(-spec.rotate, spec.rotate) * rad;
    const shear = Math.tan(rng.uniform(-spec.shear, spec.shear) * rad);
    const sx = rng.uniform(1 - spec.scale, 1 + spec.scale);
    const sy = rng.uniform(1 - spec.scale, 1 + spec.scale);
    const tx = rng.uniform(-spec.shift, spec.shift);
    const ty = rng.uniform(-spec.shift, spec.shift);
    // forward map A = rotation . shear . scale; sampling needs its inverse
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    const a00 = cos * sx;
    const a01 = (cos * shear - sin) * sy;
    const a10 = sin * sx;
    const a11 = (sin * shear + cos) * sy;
    const det = a00 * a11 - a01 * a10;
    const m = [a11 / det, -a01 / det, -a10 / det, a00 / det] as const;
    if (!spec.elastic || !this.taps) return { m, tx, ty, dx: null, dy: null };
    this.splineField(this.dx, spec.elastic.alpha, spec.elastic.grid, this.taps);
    this.splineField(this.dy, spec.elastic.alpha, spec.elastic.grid, this.taps);
    return { m, tx, ty, dx: this.dx, dy: this.dy };
  }

  /** src (SIDE*SIDE at srcOff) -> a freshly warped copy in dst (at dstOff). */
  apply(src: Float32Array, srcOff: number, dst: Float32Array, dstOff: number): void {
    warpImage(src, srcOff, dst, dstOff, this.randomWarp());
  }

  /** control (grid,grid) ~ N(0, alpha^2) -> field (SIDE,SIDE), separably: along x, then along y */
  private splineField(field: Float64Array, alpha: number, grid: number, taps: SplineTaps): void {
    const { control, alongX } = this;
    const { index, weight } = taps;
    for (let i = 0; i < control.length; i++) control[i] = alpha * this.rng.normal();
    for (let g = 0; g < grid; g++) {
      const row = g * grid;
      for (let x = 0; x < SIDE; x++) {
        const t = x * 4;
        alongX[g * SIDE + x] =
          weight[t]! * control[row + index[t]!]! +
          weight[t + 1]! * control[row + index[t + 1]!]! +
          weight[t + 2]! * control[row + index[t + 2]!]! +
          weight[t + 3]! * control[row + index[t + 3]!]!;
      }
    }
    for (let y = 0; y < SIDE; y++) {
      const t = y * 4;
      const w0 = weight[t]!,
        w1 = weight[t + 1]!,
        w2 = weight[t + 2]!,
        w3 = weight[t + 3]!;
      const r0 = index[t]! * SIDE,
        r1 = index[t + 1]! * SIDE,
        r2 = index[t + 2]! * SIDE,
        r3 = index[t + 3]! * SIDE;
      for (let x = 0; x < SIDE; x++) {
        field[y * SIDE + x] = w0 * alongX[r0 + x]! + w1 * alongX[r1 + x]! + w2 * alongX[r2 + x]! + w3 * alongX[r3 + x]!;
      }
    }
  }
}

interface SplineTaps {
  readonly index: Int32Array;
  readonly weight: Float64Array;
}

/**
 * For each of the SIDE pixel coordinates, the 4 control points of a uniform cubic B-spline over
 * `grid` control points spanning the image (indices clamped at the border) and their weights.
 */
function splineTaps(grid: number): SplineTaps {
  const index = new Int32Array(SIDE * 4);
  const weight = new Float64Array(SIDE * 4);
  for (let p = 0; p < SIDE; p++) {
    const u = (p / (SIDE - 1)) * (grid - 1);
    const i = Math.min(Math.floor(u), grid - 2);
    const t = u - i;
    const w = [(1 - t) ** 3 / 6, (3 * t ** 3 - 6 * t ** 2 + 4) / 6, (-3 * t ** 3 + 3 * t ** 2 + 3 * t + 1) / 6, t ** 3 / 6];
    for (let k = 0; k < 4; k++) {
      index[p * 4 + k] = Math.min(grid - 1, Math.max(0, i - 1 + k));
      weight[p * 4 + k] = w[k]!;
    }
  }
  return { index, weight };
}
