/**
 * Transparency as ink. A canvas exported with a transparent background holds the strokes in
 * its alpha channel, whatever their colour: black strokes on transparent black look like
 * nothing once flattened onto black, white strokes like nothing on white. So when the
 * background is transparent, alpha alone is the ink. An alpha channel that is present but
 * opaque around the picture (a photo saved as RGBA, a screenshot) says nothing about ink: the
 * picture is flattened onto white, as a browser shows it, and read like any other.
 */
import { slabU8 } from '../slab.js';

/** alpha below this (out of 255) counts as transparent */
export const TRANSPARENT_BELOW = 128;
/** the background is transparent when more than this share of the border pixels is */
export const TRANSPARENT_BORDER_SHARE = 0.5;

/** Whether the image's border, where the background is, is mostly transparent. */
export function hasTransparentBackground(alpha: Uint8Array, width: number, height: number): boolean {
  let transparent = 0;
  let border = 0;
  const visit = (i: number) => {
    border++;
    if (alpha[i]! < TRANSPARENT_BELOW) transparent++;
  };
  for (let x = 0; x < width; x++) {
    visit(x);
    if (height > 1) visit((height - 1) * width + x);
  }
  for (let y = 1; y < height - 1; y++) {
    visit(y * width);
    if (width > 1) visit(y * width + width - 1);
  }
  return transparent > TRANSPARENT_BORDER_SHARE * border;
}

/** grey over white by alpha: what a viewer shows for a partly transparent picture. */
export function flattenOnWhite(grey: Uint8Array, alpha: Uint8Array): Uint8Array {
  const out = slabU8(grey.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.round((grey[i]! * alpha[i]! + 255 * (255 - alpha[i]!)) / 255);
  return out;
}
