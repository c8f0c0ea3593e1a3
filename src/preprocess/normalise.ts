/**
 * MNIST's own normalisation applied to found ink (Y. LeCun et al., http://yann.lecun.com/exdb/mnist/):
 * stroke width brought into MNIST's range, fitted into 20x20 keeping the aspect ratio, then
 * the mass centred in the 28x28 field.
 */
import { placeCentred } from './centre.js';
import { fitToBox } from './fit.js';
import { croppedInk, type InkCrop } from './ink.js';
import { normaliseStrokeWidth } from './stroke.js';
import { INPUT_SIZE } from './tensor.js';
import { slabU8 } from '../slab.js';

/** 28x28 levels 0..255, white ink on black; all black when no digit was found. */
export function mnistPixels(found: InkCrop): Uint8Array {
  const crop = croppedInk(found);
  if (crop?.box == null) return slabU8(INPUT_SIZE);
  const { ink, box } = normaliseStrokeWidth(crop.ink, crop.box);
  return placeCentred(fitToBox(ink, box));
}
