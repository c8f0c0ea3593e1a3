/**
 * Pictures uploaded through the web page, in a real browser (Debian's Chromium driven by
 * playwright-core) against the real app with the shipped weights on a loopback port: a phone
 * photo of megabytes is shrunk in the browser before it is sent (turned upright by its EXIF
 * orientation), a small file goes untouched, and drawing over an uploaded picture replaces it.
 * Screenshots land in artifacts/screenshots/ (30-34).
 *
 * Skipped, loudly, without /usr/bin/chromium; the tests that photograph MNIST digits are
 * skipped, loudly, without ../shared/data.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_WEIGHTS } from '../../src/config.js';
import type { MnistSplit } from '../../src/data/idx.js';
import { loadWeights } from '../../src/model/weights/load.js';
import type { LoadedModel } from '../../src/model/weights/types.js';
import { greyImage, onPaper, seven } from '../preprocess/drawing.js';
import { loadTestSet } from '../support/mnist.js';
import { startServer, type RunningServer } from '../support/server.js';
import { hasSharedData, warnIfSharedDataMissing } from '../support/shared-data.js';
import { digitPixels, numberPng, phonePhoto, predictOne, shownBoxes } from './numbers.js';
import {
  hasChromium,
  isPath,
  launchBrowser,
  openPage,
  recordingProxy,
  screenshot,
  sentImage,
  settledResult,
  uploadTo,
  warnIfChromiumMissing,
  type Browser,
  type RecordingProxy,
} from './support.js';

warnIfChromiumMissing('the browser tests of uploads through the page (test/browser/upload-page.test.ts)');
warnIfSharedDataMissing('the browser tests that upload phone photos of MNIST digits (test/browser/upload-page.test.ts)');

/** the test image photographed alone: a 7 */
const PHOTOGRAPHED = 0;
/** the test images photographed as a number on one line: 7, 2, 1, 0 */
const PHOTOGRAPHED_NUMBER = [0, 1, 2, 3];
/** a request body the page may send for one picture */
const MAX_SENT_BYTES = 1_000_000;
/** the longest side of a picture the page has shrunk */
const MAX_SIDE = 1600;

/** Upload a file; resolves with the request as the server got it, its answer, and the result shown. */
async function uploadWatched(page: Page, proxy: RecordingProxy, path: string, file: string) {
  const { response, shown } = await uploadTo(page, path, file);
  const recorded = proxy.last(path)!;
  return { recorded, response, shown, sent: await sentImage(recorded) };
}

/** Resolves with the request to `path` as the server got it, once `action` has made the page send it. */
async function sentBy(page: Page, proxy: RecordingProxy, path: string, action: () => Promise<unknown>) {
  await Promise.all([page.waitForResponse(isPath(path)), action()]);
  return sentImage(proxy.last(path)!);
}

/** Red levels of the pad's own pixels (0: its black paper, 255: white ink) at canvas points. */
async function padLevels(page: Page, selector: string, points: ReadonlyArray<readonly [number, number]>): Promise<number[]> {
  return page.$eval(
    selector,
    (canvas, points) => {
      const ctx = (
        canvas as unknown as {
          getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
        }
      ).getContext('2d');
      return points.map(([x, y]) => ctx.getImageData(x, y, 1, 1).data[0]!);
    },
    points,
  );
}

describe.skipIf(!hasChromium)('uploads through the page in Chromium', { timeout: 120_000 }, () => {
  let browser: Browser;
  /** the shipped weights */
  let shipped: RunningServer;
  /** in front of it, keeping the bytes the page sends: the pages are opened here */
  let proxy: RecordingProxy;
  let model: LoadedModel;
  let set: MnistSplit;
  let files: string;

  beforeAll(async () => {
    model = await loadWeights(DEFAULT_WEIGHTS);
    [browser, shipped, files] = await Promise.all([
      launchBrowser(),
      startServer({}, { model }),
      mkdtemp(join(tmpdir(), 'digit-serve-photo-uploads-')),
    ]);
    proxy = await recordingProxy(shipped.url);
    if (hasSharedData) set = await loadTestSet();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await proxy?.close();
    await shipped?.close();
    if (files) await rm(files, { recursive: true, force: true });
  });

  afterEach(async () => {
    expect(browser.pageErrors).toEqual([]);
    await Promise.all(browser.context.pages().map((p) => p.close()));
  });

  it('replaces an uploaded picture by a drawing over it: the ink visible and read, the hint saying so, Undo bringing the picture back', async () => {
    const page = await browser.newPage();
    await openPage(page, proxy.url);
    // a 7 written in dark ink on white paper
    const side = 280;
    const path = join(files, 'seven-on-paper.png');
    await writeFile(
      path,
      await greyImage(onPaper(seven(side, side), 250, 20), side, side)
        .png()
        .toBuffer(),
    );
    const uploaded = await uploadWatched(page, proxy, '/predict', path);
    expect(uploaded.response.status()).toBe(200);
    const picture = (await uploaded.response.json()) as { prediction: number };
    expect(uploaded.shown).toMatchObject({ state: 'result', digit: String(picture.prediction) });
    expect(picture.prediction).not.toBe(1);
    // the pad says what drawing on it will do
    expect(await page.textContent('#pad-help')).toContain('replaces the picture');
    expect(await page.getAttribute('#pad-help', 'class')).toContain('is-notice');
    // the picture's white paper fills the pad
    expect((await padLevels(page, '#pad', [[140, 20]]))[0]).toBeGreaterThan(200);

    // a vertical stroke down the middle: a 1, drawn in ink that shows and counts
    const box = (await page.locator('#pad').boundingBox())!;
    const x = box.x + box.width / 2;
    const sent = await sentBy(page, proxy, '/predict', async () => {
      await page.mouse.move(x, box.y + box.height * 0.2);
      await page.mouse.down();
      await page.mouse.move(x, box.y + box.height * 0.8, { steps: 8 });
      await page.mouse.up();
    });
    const shown = await settledResult(page);
    expect(sent).toMatchObject({ filename: 'drawing.png', type: 'image/png' });
    // what was sent is the stroke alone, white on black: the picture is gone from it
    const { data, info } = await sharp(sent.bytes).greyscale().raw().toBuffer({ resolveWithObject: true });
    expect(data[Math.round(info.height / 2) * info.width + Math.round(info.width / 2)]).toBeGreaterThan(200);
    expect(data[20 * info.width + 20]).toBeLessThan(40);
    // and so is the pad: the ink stands out from what is around it
    const [ink, around] = await padLevels(page, '#pad', [
      [140, 140],
      [40, 140],
    ]);
    expect(ink).toBeGreaterThan(200);
    expect(around).toBeLessThan(40);
    expect(shown).toMatchObject({ state: 'result', digit: '1', status: 'Prediction: 1' });
    expect(await page.textContent('#pad-help')).toContain('replaced the picture');
    await screenshot(page, '30-drawn-over-upload');

    // Undo takes the stroke back, and the picture with its answer returns: the file is sent again
    const again = await sentBy(page, proxy, '/predict', () => page.click('#undo'));
    expect(again.filename).toBe('seven-on-paper.png');
    expect(await settledResult(page)).toMatchObject({ state: 'result', digit: String(picture.prediction) });
    expect(await page.textContent('#pad-help')).toContain('replaces the picture');
    await page.click('#undo');
    expect(await settledResult(page)).toMatchObject({ state: 'empty', status: 'Draw a digit' });
    expect(await page.getAttribute('#pad-help', 'class')).not.toContain('is-notice');
  });

  describe.skipIf(!hasSharedData)('phone photos of MNIST digits', () => {
    it('shrinks a 4032x3024 phone photo of a digit in the browser: upright by its EXIF orientation, under 1 MB, read right', async () => {
      const label = set.labels[PHOTOGRAPHED]!;
      expect(predictOne(model, digitPixels(set, PHOTOGRAPHED)).prediction, `the shipped weights read test image ${PHOTOGRAPHED}`).toBe(
        label,
      );
      // a phone held upright: 3024x4032 as seen, stored as 4032x3024 pixels with EXIF orientation 6
      const photo = await phonePhoto(set, [PHOTOGRAPHED], { width: 3024, height: 4032, inkHeight: 1800, orientation: 6 });
      const meta = await sharp(photo).metadata();
      expect({ width: meta.width, height: meta.height, orientation: meta.orientation }).toEqual({
        width: 4032,
        height: 3024,
        orientation: 6,
      });
      expect(photo.length, 'the photo is megabytes').toBeGreaterThan(2_000_000);
      const path = join(files, 'IMG_0001.jpg');
      await writeFile(path, photo);

      const page = await browser.newPage();
      await openPage(page, proxy.url);
      const { recorded, response, shown, sent } = await uploadWatched(page, proxy, '/predict', path);
      expect(recorded.body.length, 'the page sends well under a megabyte').toBeLessThan(MAX_SENT_BYTES);
      expect(Number(recorded.headers['content-length'])).toBe(recorded.body.length);
      expect(sent.type).toBe('image/jpeg');
      expect(sent.filename).toBe('IMG_0001.jpg');
      // upright (portrait) and MAX_SIDE tall: the EXIF orientation applied, none left to apply again
      const sentMeta = await sharp(sent.bytes).metadata();
      expect({ format: sentMeta.format, width: sentMeta.width, height: sentMeta.height }).toEqual({
        format: 'jpeg',
        width: (MAX_SIDE * 3) / 4,
        height: MAX_SIDE,
      });
      expect(sentMeta.orientation ?? 1).toBe(1);
      expect(response.status()).toBe(200);
      const body = (await response.json()) as { prediction: number };
      expect(body.prediction).toBe(label);
      expect(shown).toMatchObject({ state: 'result', digit: String(label), status: `Prediction: ${label}` });
      // the pad shows it upright too: a portrait picture contained in the square pad leaves its sides black
      const [side, middle] = await padLevels(page, '#pad', [
        [4, 140],
        [140, 30],
      ]);
      expect(side).toBeLessThan(20);
      expect(middle).toBeGreaterThan(150);
      await screenshot(page, '31-phone-photo-shrunk');
    });

    it('shrinks a phone photo of a number before /read reads it, the boxes drawn over the shrunk picture', async () => {
      const labels = PHOTOGRAPHED_NUMBER.map((i) => set.labels[i]!);
      const photo = await phonePhoto(set, PHOTOGRAPHED_NUMBER, { width: 4032, height: 3024, inkHeight: 800 });
      expect(photo.length).toBeGreaterThan(2_000_000);
      const path = join(files, 'IMG_0002.jpg');
      await writeFile(path, photo);

      const page = await browser.newPage();
      await openPage(page, proxy.url);
      await page.click('label[for="mode-number"]');
      await page.waitForSelector('#number-pad:not([hidden])');
      const { recorded, response, shown, sent } = await uploadWatched(page, proxy, '/read', path);
      expect(recorded.body.length).toBeLessThan(MAX_SENT_BYTES);
      expect(sent.type).toBe('image/jpeg');
      expect(response.status()).toBe(200);
      const body = (await response.json()) as { text: string; image: { width: number; height: number } };
      expect(body.image).toEqual({ width: MAX_SIDE, height: (MAX_SIDE * 3) / 4 });
      expect(body.text).toBe(labels.join(''));
      expect(shown).toMatchObject({ state: 'result', digit: labels.join('') });
      const boxes = await shownBoxes(page);
      expect(boxes.map((b) => b.tag)).toEqual(labels.map(String));
      const pad = (await page.locator('#number-pad').boundingBox())!;
      for (const b of boxes) {
        expect(b.x).toBeGreaterThanOrEqual(pad.x);
        expect(b.x + b.width).toBeLessThanOrEqual(pad.x + pad.width);
        expect(b.y).toBeGreaterThanOrEqual(pad.y);
        expect(b.y + b.height).toBeLessThanOrEqual(pad.y + pad.height);
      }
      await screenshot(page, '32-phone-photo-number');
    });

    it('sends a small picture untouched: the file’s own bytes, name and type', async () => {
      const png = await numberPng(set, [[PHOTOGRAPHED]]);
      expect(png.length).toBeLessThan(MAX_SENT_BYTES);
      const path = join(files, 'small-seven.png');
      await writeFile(path, png);
      const page = await browser.newPage();
      await openPage(page, proxy.url);
      const { shown, sent } = await uploadWatched(page, proxy, '/predict', path);
      expect({ filename: sent.filename, type: sent.type }).toEqual({ filename: 'small-seven.png', type: 'image/png' });
      expect(sent.bytes.equals(png)).toBe(true);
      expect(shown).toMatchObject({ state: 'result', digit: String(set.labels[PHOTOGRAPHED]) });
    });
  });
});
