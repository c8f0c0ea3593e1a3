/**
 * Ink levels -> how much of each pixel the ink covers, the way MNIST got its grey levels: the
 * NIST digits were black and white, and their grey edges come from averaging areas when they
 * were shrunk into the 20x20 box. So the crop is binarised at Otsu's threshold here and
 * fit.ts averages areas. A crop that is already small (a 28x28 scan) is first enlarged
 * bilinearly until its longer side reaches SUPERSAMPLE_SIDE, then binarised: a grey edge pixel
 * becomes partly covered instead of all or nothing, so its anti-aliasing survives.
 * (Measured on the corpus: thresholding beats keeping the levels' own soft ramp by about a
 * point on photos and scans; on 28x28 digits the supersampling is what keeps it level with
 * the soft ramp. See docs/PREPROCESSING.md.)
 */
import type { Box, Plane } from './plane.js';

/** 4 x the 20-pixel box: every output pixel then averages at least 4 x 4 binary samples */
export const SUPERSAMPLE_SIDE = 80;

export interface Coverage {
  /** 1 where ink covers the sample, else 0 */
  readonly ink: Plane<Float32Array>;
  /** the box around the ink in `ink`; null when a faint speck of ink vanished between the samples */
  readonly box: Box | null;
}

/** The `box` region of `levels`, binarised above `threshold` (on a finer grid if small). */
export function inkCoverage(levels: Plane, box: Box, threshold: number): Coverage {
  const s = Math.max(1, Math.ceil(SUPERSAMPLE_SIDE / (Math.max(box.x1 - box.x0, box.y1 - box.y0) + 1)));
  // one pixel of margin: interpolation can carry ink a fraction of a pixel past the box
  const m = s > 1 ? 1 : 0;
  const x0 = Math.max(0, box.x0 - m);
  const y0 = Math.max(0, box.y0 - m);
  const x1 = Math.min(levels.width - 1, box.x1 + m);
  const y1 = Math.min(levels.height - 1, box.y1 + m);
  const width = (x1 - x0 + 1) * s;
  const height = (y1 - y0 + 1) * s;
  const at = (x: number, y: number) => levels.data[Math.min(y1, Math.max(y0, y)) * levels.width + Math.min(x1, Math.max(x0, x))]!;
  const data = new Float32Array(width * height);
  const found = { x0: width, y0: height, x1: -1, y1: -1 };
  for (let y = 0; y < height; y++) {
    // sample centres in source pixel coordinates
    const sy = y0 + (y + 0.5) / s - 0.5;
    const iy = Math.floor(sy);
    const fy = sy - iy;
    for (let x = 0; x < width; x++) {
      const sx = x0 + (x + 0.5) / s - 0.5;
      const ix = Math.floor(sx);
      const fx = sx - ix;
      const top = at(ix, iy) + fx * (at(ix + 1, iy) - at(ix, iy));
      const bottom = at(ix, iy + 1) + fx * (at(ix + 1, iy + 1) - at(ix, iy + 1));
      if (top + fy * (bottom - top) <= threshold) continue;
      data[y * width + x] = 1;
      found.x0 = Math.min(found.x0, x);
      found.y0 = Math.min(found.y0, y);
      found.x1 = Math.max(found.x1, x);
      found.y1 = Math.max(found.y1, y);
    }
  }
  return { ink: { width, height, data }, box: found.x1 < 0 ? null : found };
}
