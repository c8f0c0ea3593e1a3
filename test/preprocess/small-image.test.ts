/**
 * The on-thread path for small PNGs gives exactly what the sharp path gives, in every mode, and
 * takes the files it is for (MNIST digits as grey or RGB PNGs); everything else goes to sharp.
 */
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LabelledImages } from '../../src/data/idx.js';
import { DEFAULT_ALLOWED_FORMATS } from '../../src/preprocess/decode.js';
import { preprocessSmallImage, preprocessWithSharp, PreprocessMode } from '../../src/preprocess/index.js';
import { digitPng, loadTestSet } from '../support/mnist.js';
import { hasSharedData } from '../support/shared-data.js';
import { greyImage, onPaper, seven, transparentImage } from './drawing.js';

const limits = { maxInputPixels: 4_000_000, allowedFormats: DEFAULT_ALLOWED_FORMATS };
const MODES = PreprocessMode.options;

/** Both paths on `png` in every mode: the quick one either declines or agrees exactly. Returns the modes it took. */
async function expectSameAsSharp(png: Buffer): Promise<string[]> {
  const taken: string[] = [];
  for (const mode of MODES) {
    const quick = preprocessSmallImage(png, { mode, limits });
    if (!quick) continue;
    taken.push(mode);
    expect(quick, mode).toEqual(await preprocessWithSharp(png, { mode, limits }));
  }
  return taken;
}

describe.skipIf(!hasSharedData)('small PNGs on the calling thread: MNIST digits', () => {
  let set: LabelledImages;
  beforeAll(async () => {
    set = await loadTestSet();
  });

  it('reads 50 test digits, as RGB and as grey PNGs, in every mode exactly as sharp does', async () => {
    for (let i = 0; i < 10_000; i += 200) {
      const rgbPng = await digitPng(set, i);
      const greyPng = await greyImage(set.images.subarray(i * 784, (i + 1) * 784), 28, 28)
        .toColourspace('b-w')
        .png()
        .toBuffer();
      expect(await expectSameAsSharp(rgbPng), `digit ${i} (RGB)`).toEqual(MODES);
      expect(await expectSameAsSharp(greyPng), `digit ${i} (grey)`).toEqual(MODES);
    }
  });
});

describe('small PNGs on the calling thread: other pictures', () => {
  it('agrees with sharp on drawings (light paper, transparent canvas, 28x28 light or colour), declining where it must', async () => {
    const ink = seven(100, 100);
    const small = seven(28, 28);
    const colour = Buffer.from(Array.from(small, (v) => [v, v / 2, 0]).flat());
    const pictures = {
      paper: await greyImage(onPaper(ink, 235, 30), 100, 100)
        .png()
        .toBuffer(),
      canvas: await transparentImage(ink, 100, 100, 0).png().toBuffer(),
      light28: await greyImage(onPaper(small, 240, 20), 28, 28)
        .png()
        .toBuffer(),
      colour28: await sharp(colour, { raw: { width: 28, height: 28, channels: 3 } })
        .png()
        .toBuffer(),
    };
    expect(await expectSameAsSharp(pictures.paper)).toEqual(['auto', 'mnist']);
    expect(await expectSameAsSharp(pictures.canvas)).toEqual(['auto', 'mnist']);
    expect(await expectSameAsSharp(pictures.light28)).toEqual(MODES);
    // plain (and auto's plain choice) needs libvips' colour-to-grey conversion
    expect(await expectSameAsSharp(pictures.colour28)).toEqual(['mnist']);
  });

  it('leaves larger pictures, disallowed PNGs and pictures over the pixel limit to sharp', async () => {
    const big = await greyImage(onPaper(seven(200, 200), 235, 30), 200, 200)
      .png()
      .toBuffer();
    expect(preprocessSmallImage(big, { mode: 'auto', limits })).toBeUndefined();
    const digit = await greyImage(seven(28, 28), 28, 28).png().toBuffer();
    expect(preprocessSmallImage(digit, { mode: 'auto', limits })).toBeDefined();
    expect(preprocessSmallImage(digit, { mode: 'auto', limits: { ...limits, maxInputPixels: 783 } })).toBeUndefined();
    await expect(preprocessWithSharp(digit, { mode: 'auto', limits: { ...limits, maxInputPixels: 783 } })).rejects.toMatchObject({
      code: 'too_many_pixels',
    });
    expect(preprocessSmallImage(digit, { mode: 'auto', limits: { ...limits, allowedFormats: new Set(['jpeg']) } })).toBeUndefined();
  });
});
