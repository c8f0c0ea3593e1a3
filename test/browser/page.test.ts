/**
 * The web page in a real browser (Debian's Chromium driven by playwright-core) against the
 * real app on a loopback port. Screenshots of every state land in artifacts/screenshots/.
 *
 * Skipped, loudly, without /usr/bin/chromium; the tests that need the book's weights and MNIST
 * are skipped, loudly, without ../shared/data.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MnistSplit } from '../../src/data/idx.js';
import { loadWeights } from '../../src/model/weights/load.js';
import { PAGE_CSP } from '../../src/routes/page.js';
import { BOOK_WEIGHTS, digitPng, loadReference, loadTestSet, MNIST_DIR, type Reference } from '../support/mnist.js';
import { toyDigitModel } from '../support/models.js';
import { startServer, type RunningServer } from '../support/server.js';
import { hasSharedData, warnIfSharedDataMissing } from '../support/shared-data.js';
import {
  countRequests,
  drawDigitWithMouse,
  fileTransfer,
  drawStroke,
  focusedId,
  hasChromium,
  isPath,
  launchBrowser,
  noHorizontalOverflow,
  openPage,
  PHONE,
  screenshot,
  settledResult,
  touchStroke,
  uploadTo,
  warnIfChromiumMissing,
  type Browser,
  type PageDocument,
} from './support.js';

declare const document: PageDocument;
declare const window: {
  readonly scrollY: number;
  readonly innerWidth: number;
  readonly localStorage: { getItem(k: string): string | null };
};
declare const getComputedStyle: (el: unknown) => {
  outlineStyle: string;
  outlineWidth: string;
  touchAction: string;
  imageRendering: string;
};

warnIfChromiumMissing('the browser tests of the web page (test/browser/page.test.ts)');
warnIfSharedDataMissing('the browser tests that draw and upload MNIST digits and show the book figure (test/browser/page.test.ts)');

/** MNIST test images the book's network reads right, drawn stroke by stroke: a 7, a 2, a 0 and a 5 */
const DRAWN = [0, 1, 3, 15];
/** uploaded through the file picker: a 3; dropped on the pad: a 4 */
const UPLOADED = 18;
const DROPPED = 19;
const API_KEY = 'browser-test-key';
const BOOK_SHA256 = 'b7f55a27988ba34c3777b0f1bbd464817c8a4db855723e6ff26f703501917a13';

/** Upload a file through the file input; resolves with the /predict answer once the page has shown it. */
const uploadFile = (page: Page, path: string) => uploadTo(page, '/predict', path);

describe('GET / serves the page', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({}, { model: toyDigitModel() });
  });
  afterAll(() => server?.close());

  it('answers the page with a strict CSP, its assets by path, and leaves unknown paths to the API 404', async () => {
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toBe(PAGE_CSP);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await page.text();
    expect(html).toContain('<canvas');
    // everything local: no script, style or font from another origin
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    for (const [path, type] of [
      ['/app.js', /javascript/],
      ['/styles.css', /text\/css/],
      ['/js/pad.js', /javascript/],
      ['/js/api.js', /javascript/],
      ['/js/result.js', /javascript/],
      ['/js/eval.js', /javascript/],
      ['/js/tabs.js', /javascript/],
      ['/js/upload.js', /javascript/],
      ['/favicon.svg', /image\/svg\+xml/],
    ] as const) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toMatch(type);
    }
    const missing = await fetch(`${server.url}/no-such-page.html`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 'not_found' });
    const traversal = await fetch(`${server.url}/..%2fpackage.json`);
    expect(traversal.status).toBeGreaterThanOrEqual(400);
  });
});

describe.skipIf(!hasChromium)('the web page in Chromium', { timeout: 60_000 }, () => {
  let browser: Browser;
  /** the toy network, no labelled set (so /eval is 503) */
  let toy: RunningServer;
  /** the toy network behind API keys */
  let keyed: RunningServer;
  /** the book's weights and the MNIST test set, when ../shared/data is there */
  let book: RunningServer | undefined;
  let set: MnistSplit;
  let ref: Reference;
  let files: string;

  beforeAll(async () => {
    const model = toyDigitModel();
    [browser, toy, keyed, files] = await Promise.all([
      launchBrowser(),
      startServer({}, { model }),
      startServer({ API_KEYS: API_KEY }, { model }),
      mkdtemp(join(tmpdir(), 'digit-serve-uploads-')),
    ]);
    if (hasSharedData) {
      const bookModel = await loadWeights(BOOK_WEIGHTS());
      [book, set, ref] = await Promise.all([
        startServer({ WEIGHTS: BOOK_WEIGHTS(), MNIST_DIR: MNIST_DIR() }, { model: bookModel }),
        loadTestSet(),
        loadReference(),
      ]);
    }
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([toy?.close(), keyed?.close(), book?.close()]);
    if (files) await rm(files, { recursive: true, force: true });
  });

  afterEach(async () => {
    expect(browser.pageErrors).toEqual([]);
    await Promise.all(browser.context.pages().map((p) => p.close()));
  });

  it('shows "Draw a digit" on a blank pad without asking the server, and Undo and Clear go back to it', async () => {
    const page = await browser.newPage();
    const predictions = countRequests(page, '/predict');
    await openPage(page, toy.url);

    let shown = await settledResult(page);
    expect(shown).toMatchObject({ state: 'empty', digit: '?', status: 'Draw a digit' });
    expect(await page.getAttribute('#undo', 'aria-disabled')).toBe('true');
    await screenshot(page, '01-blank');

    await drawStroke(page);
    shown = await settledResult(page);
    expect(shown.state).toBe('result');
    expect(shown.digit).toMatch(/^\d$/);
    expect(shown.status).toBe(`Prediction: ${shown.digit}`);
    expect(await page.locator('#bars li').count()).toBe(10);
    expect(await page.locator('#bars li.is-top').getAttribute('data-digit')).toBe(shown.digit);
    expect(predictions.count).toBe(1);

    await page.click('#undo');
    shown = await settledResult(page);
    expect(shown).toMatchObject({ state: 'empty', status: 'Draw a digit' });

    // two strokes: Undo takes one back (still a drawing), Clear takes the rest
    await drawStroke(page, 0.3, 0.7, 0.4);
    await drawStroke(page, 0.5, 0.5, 0.7);
    expect((await settledResult(page)).state).toBe('result');
    await page.click('#undo');
    expect((await settledResult(page)).state).toBe('result');
    await page.click('#clear');
    shown = await settledResult(page);
    expect(shown).toMatchObject({ state: 'empty', digit: '?', status: 'Draw a digit' });
    await screenshot(page, '02-cleared');
    // Ctrl+Z is Undo too
    await drawStroke(page);
    await settledResult(page);
    await page.keyboard.press('Control+z');
    expect((await settledResult(page)).state).toBe('empty');
    // only the drawings were ever sent: never a blank pad
    expect(predictions.count).toBe(4);
  });

  it('answers a tap on the pad, a dot, with no digit, and says a dot is not one', async () => {
    const page = await browser.newPage();
    await openPage(page, toy.url);
    const box = (await page.locator('#pad').boundingBox())!;
    const [answer] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === '/predict'),
      page.mouse.click(box.x + box.width / 2, box.y + box.height / 2),
    ]);
    expect(await answer.json()).toMatchObject({ code: 'no_digit', reason: 'dot' });
    const shown = await settledResult(page);
    expect(shown).toMatchObject({ state: 'empty', digit: '?' });
    expect(shown.status).toMatch(/^No digit found/);
    expect(await page.textContent('#confidence')).toBe('A dot is not a digit: draw the strokes of one.');
  });

  it('shows an API error as a readable message (a text file named .png)', async () => {
    const page = await browser.newPage();
    await openPage(page, toy.url);
    const path = join(files, 'not-really.png');
    await writeFile(path, 'this is a text file, not a picture\n');
    const { response, shown } = await uploadFile(page, path);
    expect(response.status()).toBe(400);
    const problem = await response.json();
    expect(problem.code).toBe('invalid_image');
    expect(shown.state).toBe('error');
    expect(shown.status).toBe(problem.title);
    expect(shown.detail).toBe(problem.detail);
    expect(await page.isVisible('#error-detail')).toBe(true);
    await screenshot(page, '05-error-invalid-image');
  });

  it('shows a 422 no_digit answer as "Draw a digit" with the reason', async () => {
    const page = await browser.newPage();
    await openPage(page, toy.url);
    const path = join(files, 'blank.png');
    await writeFile(
      path,
      await sharp({ create: { width: 200, height: 200, channels: 3, background: '#fff' } })
        .png()
        .toBuffer(),
    );
    let { response, shown } = await uploadFile(page, path);
    if (response.status() !== 422) {
      // the server does not detect blank pictures yet: check the page against the contract instead
      console.warn(
        `\n!!! POST /predict answered ${response.status()} for a blank picture, not 422 no_digit: the page's no_digit handling is checked against a stubbed answer.\n`,
      );
      await page.route('**/predict?debug=1', (route) =>
        route.fulfill({
          status: 422,
          contentType: 'application/problem+json',
          body: JSON.stringify({
            type: 'urn:digit-serve:problem:no_digit',
            title: 'No digit found in the image',
            status: 422,
            code: 'no_digit',
            detail: 'the image is blank',
          }),
        }),
      );
      ({ response, shown } = await uploadFile(page, path));
    }
    expect(response.status()).toBe(422);
    expect(shown.state).toBe('empty');
    expect(shown.status).toBe('No digit found. Draw a digit.');
    expect(await page.textContent('#confidence')).toContain('blank.png');
    await screenshot(page, '12-no-digit');
  });

  it('asks for the API key on 401 with the focus in its field, and sends it as a Bearer token once given (kept in localStorage)', async () => {
    const page = await browser.newPage();
    await openPage(page, keyed.url);
    await drawStroke(page);
    let shown = await settledResult(page);
    expect(shown.state).toBe('error');
    expect(shown.status).toBe('This server needs an API key');
    expect(shown.detail).toContain('API key');
    expect(await page.getAttribute('#settings', 'open')).not.toBeNull();
    // the field takes the focus: the key can be typed (or pasted) at once
    expect(await focusedId(page)).toBe('api-key');
    await screenshot(page, '08-api-key-needed');

    // typed straight away, no click into the field first
    await page.keyboard.type(API_KEY);
    const [request] = await Promise.all([page.waitForRequest('**/predict?debug=1'), page.locator('#api-key').blur()]);
    expect(request.headers()['authorization']).toBe(`Bearer ${API_KEY}`);
    shown = await settledResult(page);
    expect(shown.state).toBe('result');
    expect(await page.evaluate(() => window.localStorage.getItem('digit-serve.apiKey'))).toBe(API_KEY);

    // kept for the next visit
    await page.reload();
    await page.waitForSelector('html[data-ready="true"]');
    expect(await page.inputValue('#api-key')).toBe(API_KEY);
    await page.evaluate(() => (window.localStorage as unknown as { clear(): void }).clear());
  });

  it('is usable from the keyboard: visible focus, tabs with arrow keys, labelled controls, a live region', async () => {
    const page = await browser.newPage();
    await openPage(page, toy.url);
    // Tab order: skip link, API key, the tabs, Undo, Clear, Upload; each shows a focus outline
    // (the file input is visually hidden: its label shows the focus)
    const focused: string[] = [];
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Tab');
      const f = await page.evaluate(() => {
        const doc = document as unknown as { activeElement: { id: string; tagName: string }; querySelector(s: string): unknown };
        const el = doc.activeElement;
        const shown = el.id === 'file' ? doc.querySelector('label[for="file"]') : el;
        const style = getComputedStyle(shown);
        return { name: el.id || el.tagName, outline: style.outlineStyle, width: style.outlineWidth };
      });
      expect(f.outline, `focus outline on ${f.name}`).not.toBe('none');
      expect(f.width, `focus outline on ${f.name}`).not.toBe('0px');
      focused.push(f.name);
    }
    expect(focused).toEqual(['A', 'SUMMARY', 'tab-draw', 'undo', 'clear', 'file']);
    await page.focus('#tab-draw');
    await page.keyboard.press('ArrowRight');
    expect(await page.getAttribute('#tab-eval', 'aria-selected')).toBe('true');
    expect(await page.isVisible('#panel-eval')).toBe(true);
    await page.keyboard.press('ArrowLeft');
    expect(await page.getAttribute('#tab-draw', 'aria-selected')).toBe('true');
    await screenshot(page, '09-keyboard-focus');

    expect(await page.getAttribute('#status', 'aria-live')).toBe('polite');
    expect(await page.getAttribute('#status', 'role')).toBe('status');
    // every form control has a label
    for (const id of ['file', 'api-key']) expect(await page.locator(`label[for="${id}"]`).count(), id).toBe(1);
    const pad = await page.evaluate(() => getComputedStyle(document.getElementById('pad')).touchAction);
    expect(pad).toBe('none');
  });

  it('fits a phone (390x844): no horizontal scroll, the pad fits the width, a finger draws without scrolling', async () => {
    const server = book ?? toy;
    const page = await browser.newPage(PHONE);
    await openPage(page, server.url);
    expect(await noHorizontalOverflow(page)).toEqual({ scrollWidth: PHONE.width, clientWidth: PHONE.width });
    const box = (await page.locator('#pad').boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
    expect(box.width).toBeGreaterThan(0.8 * PHONE.width);

    // a vertical finger stroke: it draws a 1, and the page does not scroll under the finger
    const x = box.x + box.width / 2;
    const points = Array.from({ length: 12 }, (_, k) => [x, box.y + box.height * (0.2 + (0.6 * k) / 11)] as const);
    await touchStroke(page, points);
    const shown = await settledResult(page);
    expect(shown.state).toBe('result');
    expect(await page.evaluate(() => window.scrollY)).toBe(0);
    if (book) expect(shown.digit).toBe('1');
    expect(await noHorizontalOverflow(page)).toEqual({ scrollWidth: PHONE.width, clientWidth: PHONE.width });
    await screenshot(page, '10-phone-draw');

    await page.click('#tab-eval');
    await page.waitForFunction(() => {
      const s = document.getElementById('eval-status')!;
      return s.dataset.code !== undefined || !document.getElementById('eval-body')!.hidden;
    });
    expect(await noHorizontalOverflow(page)).toEqual({ scrollWidth: PHONE.width, clientWidth: PHONE.width });
    await screenshot(page, '11-phone-eval');
  });

  describe.skipIf(!hasSharedData)("with the book's weights and the MNIST test set", () => {
    it('reads real MNIST digits drawn on the pad with the mouse', async () => {
      const page = await browser.newPage();
      await openPage(page, book!.url);
      for (const i of DRAWN) {
        const label = set.labels[i]!;
        expect(ref.predictions[i], `the book's network reads test image ${i} right`).toBe(label);
        if ((await page.getAttribute('#clear', 'aria-disabled')) === 'false') await page.click('#clear');
        const answers: Array<Record<string, unknown>> = [];
        const collect = async (r: { url(): string; json(): Promise<unknown> }) => {
          if (new URL(r.url()).pathname === '/predict') answers.push((await r.json()) as Record<string, unknown>);
        };
        page.on('response', collect);
        await drawDigitWithMouse(page, set.images.subarray(i * 784, (i + 1) * 784));
        const shown = await settledResult(page);
        page.off('response', collect);
        expect(shown.state, `test image ${i}`).toBe('result');
        expect(shown.digit, `test image ${i}, a ${label}`).toBe(String(label));
        const last = answers.at(-1)!;
        if (last.debug === undefined) {
          console.warn('\n!!! POST /predict?debug=1 sent no `debug` field: the page shows no model input yet.\n');
          expect(await page.textContent('#model-input-empty')).toBe('not sent by this server');
        } else {
          expect(await page.getAttribute('#model-input', 'src')).toBe((last.debug as { png: string }).png);
          expect(await page.evaluate(() => getComputedStyle(document.getElementById('model-input')).imageRendering)).toBe('pixelated');
        }
        await screenshot(page, `03-drawn-mnist-${i}-a-${label}`);
      }
    });

    it('reads real MNIST pictures uploaded through the file picker and dropped on the pad', async () => {
      const page = await browser.newPage();
      await openPage(page, book!.url);
      const label = set.labels[UPLOADED]!;
      expect(ref.predictions[UPLOADED]).toBe(label);
      const path = join(files, `mnist-test-${UPLOADED}.png`);
      await writeFile(path, await digitPng(set, UPLOADED));
      const { response, shown } = await uploadFile(page, path);
      expect(response.status()).toBe(200);
      const body = await response.json();
      expect(body.prediction).toBe(label);
      expect(shown).toMatchObject({ state: 'result', digit: String(label), status: `Prediction: ${label}` });
      expect(await page.textContent('#confidence')).toBe(`${(100 * body.confidence).toFixed(1)}% confident`);
      expect(await page.textContent('#model-ref')).toContain(body.model.sha256.slice(0, 12));
      // the pad shows the picture; Undo takes it away again
      expect(await page.getAttribute('#undo', 'aria-disabled')).toBe('false');
      await screenshot(page, `04-uploaded-mnist-${UPLOADED}-a-${label}`);
      await page.click('#undo');
      expect((await settledResult(page)).state).toBe('empty');

      // drag and drop: a file dropped on the pad is read the same way
      const dropped = set.labels[DROPPED]!;
      expect(ref.predictions[DROPPED]).toBe(dropped);
      const transfer = await fileTransfer(page, await digitPng(set, DROPPED), `mnist-test-${DROPPED}.png`, 'image/png');
      await page.dispatchEvent('#drop-zone', 'dragenter', { dataTransfer: transfer });
      expect(await page.getAttribute('#drop-zone', 'class')).toContain('is-dragover');
      await Promise.all([page.waitForResponse(isPath('/predict')), page.dispatchEvent('#drop-zone', 'drop', { dataTransfer: transfer })]);
      expect(await settledResult(page)).toMatchObject({ state: 'result', digit: String(dropped) });
      expect(await page.getAttribute('#drop-zone', 'class')).not.toContain('is-dragover');
    });

    it('shows the evaluation: the book figure 0.9352, per-digit accuracy and the confusion matrix as a 10x10 heat map', async () => {
      const page = await browser.newPage();
      await openPage(page, `${book!.url}/#eval`);
      await page.waitForSelector('#eval-body:not([hidden])', { timeout: 30_000 });
      const report = (await (await fetch(`${book!.url}/eval`)).json()) as {
        accuracy: number;
        computedAt: string;
        confusionMatrix: number[][];
      };
      expect(report.accuracy).toBe(0.9352);
      expect(await page.textContent('#eval-accuracy')).toBe('93.52%');
      expect(await page.getAttribute('#eval-accuracy', 'data-value')).toBe('0.9352');
      expect(await page.textContent('#eval-correct')).toBe('9,352 of 10,000 images');
      expect(await page.textContent('#eval-dataset')).toContain('mnist-t10k · 10,000 images');
      expect(await page.textContent('#eval-heading')).toBe('Accuracy on mnist-t10k');
      expect(await page.textContent('#eval-about')).toBe('Official MNIST test set.');
      expect(await page.textContent('#eval-sha')).toBe(BOOK_SHA256);
      expect(await page.getAttribute('#eval-computed time', 'datetime')).toBe(report.computedAt);
      expect(await page.locator('#per-class tbody tr').count()).toBe(10);

      const cells = await page.$$eval('#confusion tbody td', (tds) => tds.map((td) => td.textContent));
      expect(cells).toHaveLength(100);
      expect(cells.map(Number)).toEqual(report.confusionMatrix.flat());
      // heat: the diagonal is darker than any cell off it
      const shares = await page.$$eval('#confusion tbody td', (tds) =>
        tds.map((td) => Number((td as unknown as { dataset: { share: string } }).dataset.share)),
      );
      for (let k = 0; k < 10; k++) expect(shares[k * 11]).toBeGreaterThan(0.8);
      await screenshot(page, '06-eval');
    });
  });
});
