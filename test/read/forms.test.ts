/**
 * Printed lines and what is not ink: form boxes drawn thinner than a pixel (dashed once cut at
 * the ink's threshold), the shading a photo's background estimate leaves at its border, a speck
 * on blank paper. Drawn pictures, and fixed pictures of the numbers corpus that once read as
 * digits (bench/numbers/).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { numberFamilyNamed } from '../../bench/numbers/families.js';
import { readableSource, renderNumber, type DigitSource } from '../../bench/numbers/numbers.js';
import type { LoadedModel } from '../../src/model/weights/types.js';
import type { ReadModels } from '../../src/read/classifier-cuts.js';
import { decodeLine } from '../../src/read/decode-line.js';
import { segmentLine } from '../../src/read/segment.js';
import { greyImage, onPaper, strokes, type Segment } from '../preprocess/drawing.js';
import { loadTestSet } from '../support/mnist.js';
import { hasSharedData, warnIfSharedDataMissing } from '../support/shared-data.js';
import { LIMITS, loadShippedModels, readPicture } from './read-picture.js';

warnIfSharedDataMissing('the numbers-corpus pictures of test/read/forms.test.ts');

let model: LoadedModel;
let models: ReadModels;

beforeAll(async () => {
  ({ model, models } = await loadShippedModels());
});

const [W, H] = [640, 180];

/** `count` form boxes side by side, slanted by `slope`, their edges at fractional positions. */
function boxEdges(count: number, slope: number): Segment[] {
  const [x0, y0, side, pitch] = [60.4, 40.3, 90, 105];
  return Array.from({ length: count }, (_, k) => {
    const [l, r] = [x0 + k * pitch, x0 + k * pitch + side];
    const [tl, tr] = [y0 + l * slope, y0 + r * slope];
    return [
      [l, tl, r, tr],
      [l, tl + side, r, tr + side],
      [l, tl, l, tl + side],
      [r, tr, r, tr + side],
    ] as Segment[];
  }).flat();
}

/** Ink maps drawn together, each at its strength (share of full ink). */
function layers(...drawn: readonly (readonly [Uint8Array, number])[]): Uint8Array {
  const out = new Uint8Array(W * H);
  for (const [ink, strength] of drawn) for (let i = 0; i < out.length; i++) out[i] = Math.max(out[i]!, Math.round(strength * ink[i]!));
  return out;
}

async function segment(ink: Uint8Array) {
  const png = await greyImage(onPaper(ink, 235, 30), W, H)
    .png()
    .toBuffer();
  return segmentLine(await decodeLine(png, LIMITS), models);
}

describe('drawn forms', () => {
  const boxes = strokes(W, H, boxEdges(5, 0.02), 0.35);

  it('finds no digit in a row of empty boxes drawn thinner than a pixel', async () => {
    expect((await segment(layers([boxes, 0.7]))).digits).toEqual([]);
  });
});

describe.skipIf(!hasSharedData)('numbers corpus pictures that once read as digits', () => {
  let source: DigitSource;

  beforeAll(async () => {
    source = readableSource(await loadTestSet(), model);
  });

  const read = async (family: string, index: number, seed: number) => {
    const { bytes, truth } = await renderNumber(numberFamilyNamed(family), source, index, seed);
    return { text: await readPicture(bytes, models, LIMITS), truth: truth.text };
  };

  // empty boxes whose noise or corner shading stretched the ink's extent, hiding the lines
  it.each([
    ['empty-boxes', 85, 2],
    ['empty-boxes', 99, 2],
    ['empty-boxes', 37, 2],
    // faint shading at a photo's border, and a speck with noise below it
    ['blank-paper', 10, 2],
    ['blank-paper', 39, 2],
    ['blank-paper', 53, 1],
    ['empty-ruled', 84, 1],
  ] as const)('%s %i (seed %i): no digit', async (family, index, seed) => {
    expect((await read(family, index, seed)).text).toBe('');
  });

  // dashed red box lines on a scan, a grid line along a 9's loop
  it.each([
    ['boxes', 7, 2],
    ['ruled', 59, 2],
  ] as const)('%s %i (seed %i): reads the number', async (family, index, seed) => {
    const { text, truth } = await read(family, index, seed);
    expect(text).toBe(truth);
  });
});
