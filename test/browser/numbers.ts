/**
 * Numbers made of MNIST test digits for the page's number mode: written on the wide pad with
 * the mouse, stroke by stroke, or rendered as a picture of dark ink on light paper (or as a
 * phone's photo of that paper); and the digits' boxes as the page shows them.
 */
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import type { MnistSplit } from '../../src/data/idx.js';
import { predictBatch } from '../../src/model/predict.js';
import type { LoadedModel } from '../../src/model/weights/types.js';
import { noise } from '../preprocess/drawing.js';
import { inkRuns } from './support.js';

const SIDE = 28;

/** Test image `i`'s 784 pixels (0..255, white ink on black). */
export function digitPixels(set: MnistSplit, i: number): Uint8Array {
  return set.images.subarray(i * SIDE * SIDE, (i + 1) * SIDE * SIDE);
}

/** The model's reading of 784 MNIST pixels as they are (no preprocessing). */
export function predictOne(model: LoadedModel, pixels: Uint8Array): { prediction: number } {
  return predictBatch(
    model.mlp,
    Float32Array.from(pixels, (v) => v / 255),
    1,
  )[0]!;
}

/** The first and last column holding ink at or above `threshold`. */
function inkColumns(pixels: Uint8Array, threshold: number): { from: number; to: number } {
  let from = SIDE;
  let to = -1;
  for (let row = 0; row < SIDE; row++)
    for (let col = 0; col < SIDE; col++)
      if (pixels[row * SIDE + col]! >= threshold) {
        from = Math.min(from, col);
        to = Math.max(to, col);
      }
  if (to < 0) throw new Error('a digit without ink');
  return { from, to };
}

/**
 * Write a number on the wide pad (#number-pad) as a person with a mouse would: the digits side
 * by side, each 28x28 grid as tall as the pad, GAP columns of paper between one digit's ink and
 * the next's (the whole shrunk when it would not fit the width), one stroke along each
 * horizontal run of ink.
 */
export async function drawNumberWithMouse(page: Page, digits: readonly Uint8Array[], threshold = 128, gap = 5): Promise<number> {
  const box = await page.locator('#number-pad').boundingBox();
  if (!box) throw new Error('the number pad is not visible');
  const columns = digits.map((d) => inkColumns(d, threshold));
  const margin = 3;
  const wanted = columns.reduce((sum, c) => sum + (c.to - c.from + 1), 0) + gap * (digits.length - 1) + 2 * margin;
  const cell = Math.min(box.height / SIDE, box.width / wanted);
  const top = box.y + (box.height - SIDE * cell) / 2;
  // centred across the pad
  let left = box.x + (box.width - (wanted - 2 * margin) * cell) / 2;
  let strokes = 0;
  for (const [k, pixels] of digits.entries()) {
    const { from, to } = columns[k]!;
    const origin = left - from * cell;
    const at = (col: number, row: number) => [origin + (col + 0.5) * cell, top + (row + 0.5) * cell] as const;
    for (const run of inkRuns(pixels, threshold)) {
      await page.mouse.move(...at(run.from, run.row));
      await page.mouse.down();
      if (run.to > run.from) await page.mouse.move(...at(run.to, run.row), { steps: 1 });
      await page.mouse.up();
      strokes++;
    }
    left += (to - from + 1 + gap) * cell;
  }
  return strokes;
}

/** how many picture pixels one MNIST pixel becomes */
const SCALE = 4;
const PAPER = 244;
const INK = 24;

/**
 * A picture of one or more lines of digits (each line a list of test images): the digits
 * enlarged 4x (smoothly), side by side with a gap between their inks, dark ink on light paper,
 * as a PNG.
 */
export async function numberPng(set: MnistSplit, lines: readonly (readonly number[])[], gap = 7): Promise<Buffer> {
  const margin = 10 * SCALE;
  const lineHeight = SIDE * SCALE;
  const big = await Promise.all(
    lines.map((line) =>
      Promise.all(
        line.map(async (i) => {
          const pixels = digitPixels(set, i);
          const { from, to } = inkColumns(pixels, 32);
          const enlarged = await sharp(Buffer.from(pixels), { raw: { width: SIDE, height: SIDE, channels: 1 } })
            .resize(SIDE * SCALE, SIDE * SCALE, { kernel: 'cubic' })
            .extractChannel(0)
            .raw()
            .toBuffer();
          return { enlarged, from: from * SCALE, width: (to - from + 1) * SCALE };
        }),
      ),
    ),
  );
  const lineWidth = (line: (typeof big)[number]) => line.reduce((s, d) => s + d.width, 0) + gap * SCALE * (line.length - 1);
  const width = Math.max(...big.map(lineWidth)) + 2 * margin;
  const height = lines.length * lineHeight + (lines.length - 1) * 6 * SCALE + 2 * margin;
  const ink = new Uint8Array(width * height);
  big.forEach((line, l) => {
    let x = margin;
    const y = margin + l * (lineHeight + 6 * SCALE);
    for (const d of line) {
      const side = SIDE * SCALE;
      for (let row = 0; row < side; row++)
        for (let col = d.from; col < d.from + d.width; col++) {
          const at = (y + row) * width + x + col - d.from;
          ink[at] = Math.max(ink[at]!, d.enlarged[row * side + col]!);
        }
      x += d.width + gap * SCALE;
    }
  });
  const grey = Buffer.from(ink.map((v) => Math.round(PAPER - ((PAPER - INK) * v) / 255)));
  return sharp(grey, { raw: { width, height, channels: 1 } })
    .toColourspace('b-w')
    .png()
    .toBuffer();
}

/** The digits' boxes drawn over the pad, left to right as listed: where they are on the page and the digit each is tagged with. */
export async function shownBoxes(page: Page): Promise<Array<{ x: number; y: number; width: number; height: number; tag: string }>> {
  const boxes = page.locator('#boxes .digit-box');
  const found = [];
  for (let k = 0; k < (await boxes.count()); k++) {
    const b = boxes.nth(k);
    const r = (await b.boundingBox())!;
    found.push({ x: r.x, y: r.y, width: r.width, height: r.height, tag: (await b.locator('.digit-box__tag').textContent()) ?? '' });
  }
  return found;
}

/**
 * A phone photo of digits written on paper: one line of MNIST test digits (dark ink, enlarged
 * smoothly) whose ink is `inkHeight` pixels tall, in the middle of a `width` x `height` sheet of
 * paper lit unevenly and grainy with sensor noise (seeded: the same bytes every run), as a JPEG
 * of a few megabytes. With `orientation` the pixels are stored turned the way a phone held
 * upright stores them (6: a quarter turn anticlockwise), and the EXIF orientation says how to
 * turn them back; width and height are the picture as seen, upright.
 */
export async function phonePhoto(
  set: MnistSplit,
  line: readonly number[],
  { width, height, inkHeight, orientation = 1 }: { width: number; height: number; inkHeight: number; orientation?: 1 | 6 },
): Promise<Buffer> {
  const png = await numberPng(set, [line]);
  const meta = await sharp(png).metadata();
  // numberPng's digits are SIDE * SCALE tall, inside a margin of 10 * SCALE
  const scale = inkHeight / (SIDE * SCALE);
  const ink = await sharp(png)
    .resize(Math.round(meta.width! * scale), Math.round(meta.height! * scale), { kernel: 'cubic' })
    .toColourspace('b-w')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const grain = noise(width * height, 7);
  const paper = Buffer.alloc(width * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      // brighter towards the top left, as under a lamp
      const light = 236 - (18 * (x + y)) / (width + height);
      paper[y * width + x] = Math.max(0, Math.min(255, Math.round(light + grain[y * width + x]!)));
    }
  const left = Math.round((width - ink.info.width) / 2);
  const top = Math.round((height - ink.info.height) / 2);
  for (let y = 0; y < ink.info.height; y++)
    for (let x = 0; x < ink.info.width; x++) {
      const at = (top + y) * width + left + x;
      // the ink darkens the paper: paper level PAPER is paper, INK is full ink
      paper[at] = Math.round((paper[at]! * ink.data[y * ink.info.width + x]!) / PAPER);
    }
  let photo = sharp(paper, { raw: { width, height, channels: 1 } }).toColourspace('srgb');
  if (orientation === 6) photo = sharp(await photo.rotate(270).raw().toBuffer(), { raw: { width: height, height: width, channels: 3 } });
  return photo.jpeg({ quality: 92 }).withMetadata({ orientation }).toBuffer();
}
