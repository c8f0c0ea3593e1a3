/**
 * Place the fitted digit in the 28x28 field so that its centre of mass lands on pixel (14, 14),
 * where MNIST puts it: over the 10,000 test digits the mean centre of mass is (14.01, 13.99)
 * in pixel-index coordinates. Like MNIST, the shift is a whole number of pixels, so the digit
 * is not blurred a second time.
 */
import type { Plane } from './plane.js';
import { IMAGE_SIDE } from './tensor.js';
import { slabU8 } from '../slab.js';

export const CENTRE = 14;

/** Intensity-weighted mean pixel position (x, y); the geometric centre of an empty image. */
export function centreOfMass(img: Plane<Float32Array>): { x: number; y: number } {
  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const v = img.data[y * img.width + x]!;
      mass += v;
      mx += v * x;
      my += v * y;
    }
  }
  if (mass === 0) return { x: (img.width - 1) / 2, y: (img.height - 1) / 2 };
  return { x: mx / mass, y: my / mass };
}

/**
 * A patch of ink 0..1 (at most 28x28) -> 28x28 levels 0..255, shifted so its centre of mass
 * sits on (CENTRE, CENTRE); the shift is clamped so no ink falls off the field.
 */
export function placeCentred(patch: Plane<Float32Array>, side = IMAGE_SIDE): Uint8Array {
  const com = centreOfMass(patch);
  const ox = Math.min(side - patch.width, Math.max(0, Math.round(CENTRE - com.x)));
  const oy = Math.min(side - patch.height, Math.max(0, Math.round(CENTRE - com.y)));
  const out = slabU8(side * side);
  for (let y = 0; y < patch.height; y++) {
    for (let x = 0; x < patch.width; x++) {
      out[(oy + y) * side + ox + x] = Math.round(255 * Math.min(1, Math.max(0, patch.data[y * patch.width + x]!)));
    }
  }
  return out;
}
