/**
 * Crop to the ink, robust to specks. The ink (levels above the threshold) is split into
 * 8-connected components; a component much smaller than the largest (a speck of dust, a fleck
 * of paper texture, a JPEG block that crossed the threshold) is erased, so it cannot stretch
 * the crop box and shrink the digit. Parts of a digit that a thin stroke left apart (the bar of
 * a 5, a broken loop) are far larger than a speck and stay. One pass over the pixels finds the
 * ink's runs along each row and joins those that touch in neighbouring rows (union-find); the
 * rest works on the runs, far fewer than the pixels.
 */
import { i32, pixelKernels, place, placeCopy, scoped, u8 } from '../kernels/pixels.js';
import type { Box, Plane } from './plane.js';

/** a component with fewer pixels than this share of the largest one is a speck */
export const SPECK_FRACTION = 0.05;

/**
 * Erases (sets to 0) the specks among the pixels of `levels` above `threshold`, in place;
 * returns the box around the ink that is left, or null when there is none. A WebAssembly
 * kernel (assembly/components.ts).
 */
export function keepMainInk(levels: Plane, threshold: number): Box | null {
  const { width: w, height: h, data } = levels;
  return scoped(() => {
    const pixels = placeCopy(data);
    const box = place(16);
    const found = pixelKernels().keepMainInk(
      pixels,
      w,
      h,
      threshold,
      SPECK_FRACTION,
      place(w * h * 4 * pixelKernels().componentScratchPerPixel()),
      box,
    );
    if (!found) return null;
    data.set(u8(pixels, data.length));
    const [x0, y0, x1, y1] = i32(box, 4);
    return { x0: x0!, y0: y0!, x1: x1!, y1: y1! };
  });
}
