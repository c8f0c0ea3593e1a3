/**
 * The numbers corpus (bench/numbers/): pictures are reproducible, their truth boxes sit on
 * ink inside the picture in reading order, blank families hold no digit, the ceiling counts
 * what it says, and the scoring of /read answers on hand-made cases.
 */
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { NUMBER_FAMILIES, numberFamilyNamed } from '../../bench/numbers/families.js';
import {
  ceiling,
  MAX_DIGITS,
  MIN_DIGITS,
  readableSource,
  renderNumber,
  type DigitSource,
  type NumberTruth,
} from '../../bench/numbers/numbers.js';
import { scoreReads } from '../../bench/numbers/score.js';
import { DEFAULT_WEIGHTS } from '../../src/config.js';
import { loadWeights } from '../../src/model/weights/load.js';
import type { LoadedModel } from '../../src/model/weights/types.js';
import { BOOK_WEIGHTS, loadTestSet } from '../support/mnist.js';
import { hasSharedData, warnIfSharedDataMissing } from '../support/shared-data.js';

const SEED = 5;
const PER_FAMILY = 4;

warnIfSharedDataMissing('the numbers corpus tests (test/bench/numbers.test.ts)');

/**
 * The strongest contrast inside `box` against the picture's median level: alpha for a
 * transparent picture (its ink), luminance otherwise (dark on light or light on dark).
 */
async function inkContrasts(bytes: Buffer, boxes: NumberTruth['digits'][number]['box'][]) {
  const image = sharp(bytes);
  const { hasAlpha } = await image.metadata();
  const { data, info } = await (hasAlpha ? image.extractChannel('alpha') : image.greyscale()).raw().toBuffer({ resolveWithObject: true });
  const median = hasAlpha ? 0 : [...data].sort((a, b) => a - b)[data.length >> 1]!;
  const contrasts = boxes.map((box) => {
    let best = 0;
    for (let y = box.y; y < box.y + box.height; y++) {
      for (let x = box.x; x < box.x + box.width; x++) best = Math.max(best, Math.abs(data[(y * info.width + x) * info.channels]! - median));
    }
    return best;
  });
  return { width: info.width, height: info.height, contrasts };
}

describe.skipIf(!hasSharedData)('the numbers corpus', () => {
  let source: DigitSource;
  let ours: LoadedModel;

  beforeAll(async () => {
    const [set, model] = await Promise.all([loadTestSet(), loadWeights(DEFAULT_WEIGHTS)]);
    ours = model;
    source = readableSource(set, model);
  });

  it('renders the same bytes and truth for the same seed, and other pictures for another index or seed', async () => {
    for (const family of NUMBER_FAMILIES) {
      const [a, b, other, reseeded] = await Promise.all([
        renderNumber(family, source, 0, SEED),
        renderNumber(family, source, 0, SEED),
        renderNumber(family, source, 1, SEED),
        renderNumber(family, source, 0, SEED + 1),
      ]);
      expect(b.bytes.equals(a.bytes), family.name).toBe(true);
      expect(b.truth).toEqual(a.truth);
      expect(other.bytes.equals(a.bytes), family.name).toBe(false);
      expect(reseeded.bytes.equals(a.bytes), family.name).toBe(false);
    }
  });

  it.each(NUMBER_FAMILIES.filter((f) => !f.blank).map((f) => f.name))(
    '%s: truth boxes lie inside the picture, hold ink and run left to right; the text is the labels',
    async (name) => {
      const family = numberFamilyNamed(name);
      for (let i = 0; i < PER_FAMILY; i++) {
        const { bytes, truth } = await renderNumber(family, source, i, SEED);
        const boxes = truth.digits.map((d) => d.box);
        const decoded = await inkContrasts(bytes, boxes);
        expect([decoded.width, decoded.height]).toEqual([truth.width, truth.height]);
        expect(truth.text).toMatch(new RegExp(`^[0-9]{${MIN_DIGITS},${MAX_DIGITS}}$`));
        expect(truth.digits.map((d) => d.label).join('')).toBe(truth.text);
        for (const d of truth.digits) expect(source.set.labels[d.source]).toBe(d.label);
        for (const box of boxes) {
          expect(box.x).toBeGreaterThanOrEqual(0);
          expect(box.y).toBeGreaterThanOrEqual(0);
          expect(box.x + box.width).toBeLessThanOrEqual(truth.width);
          expect(box.y + box.height).toBeLessThanOrEqual(truth.height);
        }
        for (const contrast of decoded.contrasts) expect(contrast, `${name} ${i}`).toBeGreaterThanOrEqual(30);
        const centres = boxes.map((b) => b.x + b.width / 2);
        expect(centres).toEqual([...centres].sort((a, b) => a - b));
      }
    },
  );

  it.each(NUMBER_FAMILIES.filter((f) => f.blank).map((f) => f.name))('%s pictures hold no digit', async (name) => {
    for (let i = 0; i < PER_FAMILY; i++) {
      const { truth } = await renderNumber(numberFamilyNamed(name), source, i, SEED);
      expect(truth.text).toBe('');
      expect(truth.digits).toEqual([]);
    }
  });

  it('has a ceiling of 1 with the weights that chose the digits, and counts a misread digit against its picture', async () => {
    const pictures = await Promise.all(NUMBER_FAMILIES.flatMap((f) => [0, 1].map((i) => renderNumber(f, source, i, SEED))));
    const truths = pictures.map((p) => p.truth);
    const expected = NUMBER_FAMILIES.map((f) => ({ family: f.name, pictures: 2, readable: 2 }));
    expect(ceiling(truths, source.set, ours)).toEqual(expected);

    const book = ceiling(truths, source.set, await loadWeights(BOOK_WEIGHTS()));
    expect(book.map((c) => c.family)).toEqual(NUMBER_FAMILIES.map((f) => f.name));
    for (const c of book) expect(c.readable).toBeLessThanOrEqual(c.pictures);

    const [first] = truths;
    const mislabelled = { ...first!, digits: first!.digits.map((d, k) => (k === 0 ? { ...d, label: (d.label + 1) % 10 } : d)) };
    expect(ceiling([mislabelled, first!], source.set, ours)).toEqual([{ family: first!.family, pictures: 2, readable: 1 }]);
  });
});

describe('scoring /read answers', () => {
  it('scores exact strings, digit counts, digits where the count is right, and no_digit', () => {
    const truths = [
      { family: 'spaced', text: '7210' },
      { family: 'spaced', text: '7210' },
      { family: 'spaced', text: '7210' },
      { family: 'spaced', text: '7210' },
      { family: 'blank-paper', text: '' },
      { family: 'blank-paper', text: '' },
      { family: 'blank-paper', text: '' },
    ];
    const answers = [
      { text: '7210' }, // right
      { text: '7219' }, // one digit wrong: count right, 3 of 4 digits
      { text: '72101' }, // a digit too many: not compared digit by digit
      { code: 'no_digit' }, // a number missed
      { code: 'no_digit' }, // right
      { text: '' }, // no digits, but not the no_digit problem
      { text: '1' }, // a speck read as a digit
    ];
    expect(scoreReads(truths, answers)).toEqual([
      { family: 'spaced', pictures: 4, stringAccuracy: 0.25, countAccuracy: 0.5, digitAccuracy: 7 / 8, noDigitRate: 0.25 },
      { family: 'blank-paper', pictures: 3, stringAccuracy: 1 / 3, countAccuracy: 2 / 3, digitAccuracy: null, noDigitRate: 1 / 3 },
    ]);
  });

  it('counts any other problem as a picture read with no digits, and refuses answers that do not match the pictures', () => {
    expect(scoreReads([{ family: 'ruled', text: '42' }], [{ code: 'unsupported_media_type' }])).toEqual([
      { family: 'ruled', pictures: 1, stringAccuracy: 0, countAccuracy: 0, digitAccuracy: null, noDigitRate: 0 },
    ]);
    expect(() => scoreReads([{ family: 'ruled', text: '42' }], [])).toThrow(/0 answers for 1 pictures/);
  });
});
