/** Hand-drawn test pictures: strokes as line segments, anti-aliased by distance, on any background. */
import sharp, { type Sharp } from 'sharp';

/** [x0, y0, x1, y1] in pixels */
export type Segment = readonly [number, number, number, number];

/** Ink map 0..255 (bright = ink): pixels within `radius` of a segment, with a 1-pixel soft edge. */
export function strokes(width: number, height: number, segments: readonly Segment[], radius: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let d = Infinity;
      for (const [x0, y0, x1, y1] of segments) {
        const vx = x1 - x0;
        const vy = y1 - y0;
        const t = Math.max(0, Math.min(1, ((x - x0) * vx + (y - y0) * vy) / (vx * vx + vy * vy || 1)));
        d = Math.min(d, Math.hypot(x - x0 - t * vx, y - y0 - t * vy));
      }
      out[y * width + x] = Math.round(255 * Math.max(0, Math.min(1, radius + 0.5 - d)));
    }
  }
  return out;
}

/** A '7' filling most of a width x height picture. */
export function seven(width: number, height: number, radius = Math.max(1, width / 25)): Uint8Array {
  const [l, r, t, b] = [width * 0.25, width * 0.75, height * 0.2, height * 0.8];
  return strokes(
    width,
    height,
    [
      [l, t, r, t],
      [r, t, width * 0.45, b],
    ],
    radius,
  );
}

/** Ink map -> grey levels of `ink` colour on `paper` colour. */
export function onPaper(ink: Uint8Array, paper: number, pen: number): Uint8Array {
  return ink.map((a) => Math.round(paper + ((pen - paper) * a) / 255));
}

export function greyImage(levels: Uint8Array, width: number, height: number): Sharp {
  return sharp(Buffer.from(levels), { raw: { width, height, channels: 1 } });
}

/** RGBA: `rgb` everywhere, alpha from the ink map (a canvas with a transparent background). */
export function transparentImage(ink: Uint8Array, width: number, height: number, rgb: number): Sharp {
  const rgba = Buffer.alloc(width * height * 4);
  for (let i = 0; i < ink.length; i++) rgba.set([rgb, rgb, rgb, ink[i]!], i * 4);
  return sharp(rgba, { raw: { width, height, channels: 4 } });
}

/** Seeded normal noise (Box-Muller over a linear congruential stream): tests see the same pixels every run. */
export function noise(count: number, sigma: number, seed = 1): Float32Array {
  let s = seed >>> 0;
  const uniform = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
  return Float32Array.from({ length: count }, () => sigma * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()));
}
