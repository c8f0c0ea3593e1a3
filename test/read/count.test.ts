/**
 * countDigits, /predict's `digitsFound`: drawn pictures through /predict's own preprocessing,
 * so the count is the one a client sees.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_ALLOWED_FORMATS } from '../../src/preprocess/decode.js';
import { preprocessImage } from '../../src/preprocess/index.js';
import { greyImage, onPaper, strokes, type Segment } from '../preprocess/drawing.js';

const limits = { maxInputPixels: 4_000_000, allowedFormats: DEFAULT_ALLOWED_FORMATS };

async function digitsFound(segments: readonly Segment[], width = 400, height = 200): Promise<number> {
  const png = await greyImage(onPaper(strokes(width, height, segments, 5), 235, 30), width, height)
    .png()
    .toBuffer();
  return (await preprocessImage(png, { mode: 'auto', limits })).digitsFound;
}

/** a 1 as one upright stroke at x, a 7 as a bar and a diagonal from x, both 100 px tall */
const one = (x: number): Segment[] => [[x, 50, x, 150]];
const seven = (x: number): Segment[] => [
  [x, 50, x + 60, 50],
  [x + 60, 50, x + 20, 150],
];

describe('countDigits (/predict digitsFound)', () => {
  it('counts one digit, and one for a bar or a dash however long', async () => {
    expect(await digitsFound(seven(160))).toBe(1);
    expect(await digitsFound(one(200))).toBe(1);
    expect(await digitsFound([[60, 100, 340, 100]])).toBe(1);
  });

  it('counts digits apart, and sees several in touching digits (fewer when they are narrow)', async () => {
    expect(await digitsFound([...seven(40), ...one(160), ...seven(240)])).toBe(3);
    // three 7s whose bars run into each other: one run of ink, counted at a digit per height of width
    expect(await digitsFound([...seven(40), ...seven(100), ...seven(160)], 300)).toBe(2);
  });

  it('leaves out a dot or a dash much shorter than the digits, and keeps a loose bar with its digit', async () => {
    expect(await digitsFound([...seven(80), [250, 140, 262, 140]])).toBe(1);
    // a 5 whose top bar was drawn off to the right of its body, with a gap
    const five: Segment[] = [
      [150, 60, 150, 100],
      [150, 100, 190, 110],
      [190, 110, 190, 140],
      [190, 140, 145, 150],
      [158, 55, 205, 55],
    ];
    expect(await digitsFound(five)).toBe(1);
  });

  it('finds no digit on blank paper', async () => {
    expect(await digitsFound([])).toBe(0);
  });

  it('counts no digit in an empty row of printed form boxes, and counts a row with digits written in it', async () => {
    // four boxes sharing their sides: one run of ink whose columns hold ink only along its top and bottom
    const comb: Segment[] = [[40, 50, 360, 50], [40, 150, 360, 150], ...[40, 120, 200, 280, 360].map((x): Segment => [x, 50, x, 150])];
    expect(await digitsFound(comb)).toBe(0);
    // 7s written in three of the boxes, hanging from the top line: counted as before, a digit per height of width
    const written: Segment[] = [55, 135, 215].flatMap((x): Segment[] => [
      [x, 50, x + 45, 50],
      [x + 45, 50, x + 20, 140],
    ]);
    expect(await digitsFound([...comb, ...written])).toBe(3);
  });
});
