/**
 * The `plain` profile's last step (Fashion-MNIST's layout): a picture already shrunk so that its
 * longest side is 28, turned into light object on a dark ground and centred on a black 28x28.
 * The ground is read from the picture's border, where a product photo shows its background:
 * a light border means a light background, which is inverted.
 */
import { IMAGE_SIDE } from './tensor.js';

/** mean border level above which the background counts as light */
const LIGHT_BORDER = 128;

export function placeObject(grey: Uint8Array, width: number, height: number): Uint8Array {
  if (width > IMAGE_SIDE || height > IMAGE_SIDE || grey.length !== width * height) {
    throw new RangeError(
      `placeObject takes at most ${IMAGE_SIDE}x${IMAGE_SIDE} grey pixels, got ${width}x${height} (${grey.length} values)`,
    );
  }
  const invert = borderMean(grey, width, height) >= LIGHT_BORDER;
  const out = new Uint8Array(IMAGE_SIDE * IMAGE_SIDE);
  const left = (IMAGE_SIDE - width) >> 1;
  const top = (IMAGE_SIDE - height) >> 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const g = grey[y * width + x]!;
      out[(top + y) * IMAGE_SIDE + left + x] = invert ? 255 - g : g;
    }
  }
  return out;
}

function borderMean(grey: Uint8Array, width: number, height: number): number {
  let sum = 0;
  let n = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (y === 0 || y === height - 1 || x === 0 || x === width - 1) {
        sum += grey[y * width + x]!;
        n++;
      }
    }
  }
  return sum / n;
}
