/**
 * Broken digits (bench/numbers' broken family): fragments of a cut stroke kept while specks
 * are dropped, the pieces of a digit cut down its length joined as the model reads them best.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { NUMBER_FAMILIES } from '../../bench/numbers/families.js';
import { readableSource, renderNumber, type DigitSource } from '../../bench/numbers/numbers.js';
import type { LoadedModel } from '../../src/model/weights/types.js';
import type { ReadModels } from '../../src/read/classifier-cuts.js';
import { decodeLine } from '../../src/read/decode-line.js';
import { segmentLine } from '../../src/read/segment.js';
import { greyImage, onPaper, strokes } from '../preprocess/drawing.js';
import { loadTestSet } from '../support/mnist.js';
import { hasSharedData } from '../support/shared-data.js';
import { LIMITS, loadShippedModels, readPicture } from './read-picture.js';

let model: LoadedModel;
let models: ReadModels;

beforeAll(async () => {
  ({ model, models } = await loadShippedModels());
});

describe('drawn', () => {
  it('drops a speck between digits and keeps three bars', async () => {
    const [w, h] = [400, 140];
    const ink = strokes(
      w,
      h,
      [
        [80, 30, 80, 110],
        [200, 30, 200, 110],
        [320, 30, 320, 110],
        [140, 70, 141, 70],
      ],
      5,
    );
    const picture = await greyImage(onPaper(ink, 235, 30), w, h)
      .png()
      .toBuffer();
    const { digits } = segmentLine(await decodeLine(picture, LIMITS), models);
    expect(digits.map((d) => (d.box.x0 + d.box.x1) >> 1)).toEqual([80, 200, 320]);
  });
});

describe.skipIf(!hasSharedData)('the numbers corpus, broken family', () => {
  let source: DigitSource;

  beforeAll(async () => {
    source = readableSource(await loadTestSet(), model);
  });

  // seed 2: a faint digit fallen into fragments (20, 92), a 6 and a 2 cut into pieces side by side (25, 73)
  it.each([20, 25, 73, 92])('reads picture %i of seed 2', async (index) => {
    const family = NUMBER_FAMILIES.find((f) => f.name === 'broken')!;
    const { bytes, truth } = await renderNumber(family, source, index, 2);
    expect(await readPicture(bytes, models, LIMITS)).toBe(truth.text);
  });
});
