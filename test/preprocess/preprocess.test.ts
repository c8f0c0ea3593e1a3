import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { CENTRE, centreOfMass } from '../../src/preprocess/centre.js';
import { DEFAULT_ALLOWED_FORMATS, plainTensor, tensorToPngDataUrl } from '../../src/preprocess/decode.js';
import { preprocessImage, type PreprocessMode } from '../../src/preprocess/index.js';
import { greyImage, noise, onPaper, seven, strokes, transparentImage } from './drawing.js';

const limits = { maxInputPixels: 4_000_000, allowedFormats: DEFAULT_ALLOWED_FORMATS };
const run = (bytes: Uint8Array, mode: PreprocessMode = 'auto') => preprocessImage(bytes, { mode, limits });

const S = 120;
const inkOf7 = seven(S, S);
/** dark pen on light paper */
const paper7 = onPaper(inkOf7, 235, 30);
const rgb = (grey: Uint8Array) => Buffer.from(Array.from(grey, (v) => [v, v, v]).flat());

function meanAbsDiff(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

/** Rows and columns of the 28x28 tensor holding any ink. */
function span(t: Float32Array): { width: number; height: number } {
  const rows = new Set<number>();
  const cols = new Set<number>();
  t.forEach((v, i) => {
    if (v > 0) {
      rows.add(Math.floor(i / 28));
      cols.add(i % 28);
    }
  });
  return {
    width: cols.size ? Math.max(...cols) - Math.min(...cols) + 1 : 0,
    height: rows.size ? Math.max(...rows) - Math.min(...rows) + 1 : 0,
  };
}

const comOf = (t: Float32Array) => centreOfMass({ width: 28, height: 28, data: t });

describe('preprocessImage: formats', async () => {
  const reference = await run(await greyImage(paper7, S, S).png().toBuffer());

  /** the 7 as the first frame of a two-frame GIF whose second frame is a bar */
  const animatedGif = () => {
    const bar = onPaper(strokes(S, S, [[20, 60, 100, 60]], 6), 235, 30);
    const frames = Buffer.concat([rgb(paper7), rgb(bar)]);
    return sharp(frames, { raw: { width: S, height: 2 * S, channels: 3, pageHeight: S } })
      .gif()
      .toBuffer();
  };
  const colour = () => sharp(rgb(paper7), { raw: { width: S, height: S, channels: 3 } });

  it.each([
    ['PNG (RGB)', () => colour().png().toBuffer()],
    ['JPEG', () => greyImage(paper7, S, S).jpeg({ quality: 85 }).toBuffer()],
    ['WebP', () => colour().webp({ quality: 85 }).toBuffer()],
    ['GIF, first frame of an animation', animatedGif],
    ['TIFF', () => greyImage(paper7, S, S).tiff({ compression: 'lzw' }).toBuffer()],
    ['AVIF', () => colour().avif({ quality: 80, effort: 2 }).toBuffer()],
    ['16-bit PNG', () => greyImage(paper7, S, S).toColourspace('grey16').png().toBuffer()],
    ['CMYK JPEG', () => colour().toColourspace('cmyk').jpeg({ quality: 90 }).toBuffer()],
  ])('reads the digit from a %s', async (_, encode) => {
    const out = await run(await encode());
    expect(out.noDigit).toBe(false);
    expect(out.mode).toBe('mnist');
    expect(meanAbsDiff(out.tensor, reference.tensor)).toBeLessThan(0.03);
  });

  it('honours the EXIF orientation: a vertical bar stored sideways comes out vertical', async () => {
    const bar = onPaper(strokes(S, S, [[60, 20, 60, 100]], 5), 235, 30);
    const stored = await greyImage(bar, S, S).rotate(270).png().toBuffer();
    const tagged = await sharp(stored).jpeg({ quality: 90 }).withMetadata({ orientation: 6 }).toBuffer();
    const untagged = await sharp(stored).jpeg({ quality: 90 }).toBuffer();
    const upright = span((await run(tagged)).tensor);
    expect(upright.height).toBe(20);
    expect(upright.width).toBeLessThan(8);
    expect(span((await run(untagged)).tensor).width).toBe(20);
  });
});

describe('preprocessImage: normalisation', () => {
  it('inverts a light background: ink bright, paper black', async () => {
    const out = await run(await greyImage(paper7, S, S).png().toBuffer());
    const darkVersion = await run(await greyImage(inkOf7, S, S).png().toBuffer());
    expect(out.tensor[0]).toBe(0);
    expect(Math.max(...out.tensor)).toBe(1);
    expect(meanAbsDiff(out.tensor, darkVersion.tensor)).toBeLessThan(0.01);
  });

  it('reads the same digit from a transparent canvas with black strokes and with white strokes', async () => {
    const black = await run(await transparentImage(inkOf7, S, S, 0).png().toBuffer());
    const white = await run(await transparentImage(inkOf7, S, S, 255).png().toBuffer());
    expect(black.noDigit).toBe(false);
    expect(Array.from(black.tensor)).toEqual(Array.from(white.tensor));
    const dark = await run(await greyImage(inkOf7, S, S).png().toBuffer());
    expect(meanAbsDiff(black.tensor, dark.tensor)).toBeLessThan(0.01);
  });

  it('centres a small off-centre digit: box within 20x20, centre of mass within half a pixel of (14, 14)', async () => {
    const W = 300;
    const H = 200;
    const small = strokes(
      W,
      H,
      [
        [20, 15, 45, 15],
        [45, 15, 30, 60],
      ],
      2.5,
    );
    const out = await run(
      await greyImage(onPaper(small, 240, 20), W, H)
        .jpeg({ quality: 90 })
        .toBuffer(),
    );
    const box = span(out.tensor);
    expect(Math.max(box.width, box.height)).toBe(20);
    expect(Math.min(box.width, box.height)).toBeLessThan(20);
    const com = comOf(out.tensor);
    expect(Math.abs(com.x - CENTRE)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(com.y - CENTRE)).toBeLessThanOrEqual(0.5);
  });

  it('ignores a speck of dust far from the digit', async () => {
    const withSpeck = inkOf7.slice();
    withSpeck[3 * S + 3] = 255;
    const clean = await run(
      await greyImage(onPaper(inkOf7, 235, 30), S, S)
        .png()
        .toBuffer(),
    );
    const specked = await run(
      await greyImage(onPaper(withSpeck, 235, 30), S, S)
        .png()
        .toBuffer(),
    );
    expect(Array.from(specked.tensor)).toEqual(Array.from(clean.tensor));
  });

  it('flattens uneven lighting: a digit under a vignette and a gradient reads as on even paper', async () => {
    const n = noise(S * S, 3);
    const lit = paper7.map((v, i) => {
      const x = (i % S) / S - 0.5;
      const y = Math.floor(i / S) / S - 0.5;
      return Math.max(0, Math.min(255, Math.round(v * (1 - 0.5 * (x * x + y * y)) * (0.8 + 0.3 * x) + n[i]!)));
    });
    const out = await run(await greyImage(lit, S, S).jpeg({ quality: 80 }).toBuffer());
    const even = await run(await greyImage(paper7, S, S).png().toBuffer());
    expect(meanAbsDiff(out.tensor, even.tensor)).toBeLessThan(0.03);
  });
});

describe('preprocessImage: no digit', () => {
  const blankPaper = () => {
    const n = noise(400 * 300, 4);
    const levels = Uint8Array.from({ length: 400 * 300 }, (_, i) => {
      const x = (i % 400) / 400;
      const y = Math.floor(i / 400) / 300;
      return Math.round(Math.max(0, Math.min(255, 230 * (1 - 0.35 * x) * (1 - 0.4 * ((x - 0.5) ** 2 + (y - 0.5) ** 2)) + n[i]!)));
    });
    return greyImage(levels, 400, 300).jpeg({ quality: 70 }).toBuffer();
  };
  const noisy = () => {
    const n = noise(200 * 200, 20, 7);
    return greyImage(
      Uint8Array.from(n, (v) => Math.round(Math.max(0, Math.min(255, 200 + v)))),
      200,
      200,
    )
      .png()
      .toBuffer();
  };
  const uniform = (level: number, side = 280) =>
    greyImage(new Uint8Array(side * side).fill(level), side, side)
      .png()
      .toBuffer();

  it.each([
    ['a white picture', () => uniform(255)],
    ['a black picture', () => uniform(0)],
    ['a black 28x28 picture (the plain pipeline)', () => uniform(0, 28)],
    [
      'an empty transparent canvas',
      () =>
        transparentImage(new Uint8Array(280 * 280), 280, 280, 0)
          .png()
          .toBuffer(),
    ],
    ['a photo of blank paper under uneven light, with JPEG noise', blankPaper],
    ['very noisy blank paper', noisy],
    [
      'a single fleck of dust on white paper',
      () => {
        const fleck = new Uint8Array(300 * 300).fill(240);
        fleck[150 * 300 + 150] = 20;
        return greyImage(fleck, 300, 300).png().toBuffer();
      },
    ],
  ])('reports %s as no digit', async (_, encode) => {
    const bytes = await encode();
    for (const mode of ['auto', 'mnist', 'plain'] as const) expect((await run(bytes, mode)).noDigit).toBe(true);
  });

  it('gives an all-black tensor in mnist mode when there is no digit', async () => {
    const out = await run(await uniform(255), 'mnist');
    expect(Math.max(...out.tensor)).toBe(0);
  });
});

describe('preprocessImage: modes', () => {
  const dark7 = seven(28, 28, 1.2);

  it('auto keeps a 28x28 dark picture bit-exact: the plain pipeline, equal to plainTensor', async () => {
    for (const png of [
      await greyImage(dark7, 28, 28).png().toBuffer(),
      await sharp(rgb(dark7), { raw: { width: 28, height: 28, channels: 3 } })
        .png()
        .toBuffer(),
    ]) {
      const out = await run(png);
      expect(out.mode).toBe('plain');
      expect(out.noDigit).toBe(false);
      expect(Array.from(out.tensor)).toEqual(Array.from(await plainTensor(png, limits)));
    }
  });

  it('auto normalises a 28x28 picture with a light background, and anything larger', async () => {
    expect(
      (
        await run(
          await greyImage(onPaper(dark7, 240, 0), 28, 28)
            .png()
            .toBuffer(),
        )
      ).mode,
    ).toBe('mnist');
    expect((await run(await greyImage(inkOf7, S, S).png().toBuffer())).mode).toBe('mnist');
  });

  it('plain resizes the whole picture, exactly as plainTensor does', async () => {
    const png = await greyImage(paper7, S, S).png().toBuffer();
    const out = await run(png, 'plain');
    expect(out.mode).toBe('plain');
    expect(Array.from(out.tensor)).toEqual(Array.from(await plainTensor(png, limits)));
  });

  it('mnist normalises even a 28x28 MNIST-like picture', async () => {
    expect((await run(await greyImage(dark7, 28, 28).png().toBuffer(), 'mnist')).mode).toBe('mnist');
  });

  it('keeps the decoding problems of the plain pipeline', async () => {
    await expect(run(Buffer.from('not an image'))).rejects.toMatchObject({ code: 'invalid_image' });
    await expect(run(Buffer.alloc(0), 'mnist')).rejects.toMatchObject({ code: 'missing_image' });
    const big = await sharp({ create: { width: 2100, height: 2000, channels: 3, background: '#fff' } })
      .png()
      .toBuffer();
    await expect(run(big)).rejects.toMatchObject({ code: 'too_many_pixels' });
  });
});

describe('tensorToPngDataUrl', () => {
  it('encodes what the model saw as a 28x28 PNG that decodes to the same tensor', async () => {
    const out = await run(await greyImage(paper7, S, S).png().toBuffer());
    const url = await tensorToPngDataUrl(out.tensor);
    expect(url).toMatch(/^data:image\/png;base64,/);
    const png = Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');
    expect(Array.from(await plainTensor(png, limits))).toEqual(Array.from(out.tensor));
  });
});
