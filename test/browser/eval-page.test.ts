/**
 * The page's accuracy view in a real browser (Debian's Chromium driven by playwright-core)
 * against the real app on a loopback port: the set it names (the shipped weights' held-out
 * training digits), the per-digit bars scaled so their differences show, a real 503 shown as
 * the problem's title and then its detail, and a 401 that puts the focus in the API key field.
 * Screenshots land in artifacts/screenshots/ (07, 13-14).
 *
 * Skipped, loudly, without /usr/bin/chromium.
 */
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_WEIGHTS } from '../../src/config.js';
import { loadWeights } from '../../src/model/weights/load.js';
import { toyDigitModel } from '../support/models.js';
import { startServer, type RunningServer } from '../support/server.js';
import {
  focusedId,
  hasChromium,
  launchBrowser,
  noHorizontalOverflow,
  openPage,
  PHONE,
  screenshot,
  warnIfChromiumMissing,
  type Browser,
  type PageDocument,
} from './support.js';

declare const document: PageDocument;

warnIfChromiumMissing('the browser tests of the accuracy view (test/browser/eval-page.test.ts)');

const API_KEY = 'browser-eval-key';

interface EvalReport {
  accuracy: number;
  perClass: Array<{ class: number; accuracy: number; correct: number; total: number }>;
  dataset: { name: string; size: number; description: string };
}

/** The service's lower-case detail as the page shows it: a sentence, capital first and full stop last. */
const asSentence = (text: string) => text[0]!.toUpperCase() + text.slice(1) + (/[.!?]$/.test(text) ? '' : '.');

async function openEval(page: Page, url: string): Promise<void> {
  await openPage(page, `${url}/#eval`);
  await page.waitForFunction(() => {
    const status = document.getElementById('eval-status')!;
    return status.dataset.code !== undefined || !document.getElementById('eval-body')!.hidden;
  });
}

/** Each per-digit row's bar as drawn: the filled share of its track (0..1). */
async function barShares(page: Page): Promise<number[]> {
  return page.$$eval('#per-class tbody tr', (rows) =>
    rows.map((row) => {
      const r = row as unknown as { querySelector(s: string): { getBoundingClientRect(): { width: number } } };
      return r.querySelector('.acc-bar > span').getBoundingClientRect().width / r.querySelector('.acc-bar').getBoundingClientRect().width;
    }),
  );
}

describe.skipIf(!hasChromium)('the accuracy view in Chromium', { timeout: 60_000 }, () => {
  let browser: Browser;
  /** the shipped weights: /eval scores the training digits they held out */
  let shipped: RunningServer;
  /** the toy network, no labelled set: /eval is 503 eval_unavailable */
  let toy: RunningServer;
  /** the shipped weights behind an API key */
  let keyed: RunningServer;

  beforeAll(async () => {
    const model = await loadWeights(DEFAULT_WEIGHTS);
    [browser, shipped, toy, keyed] = await Promise.all([
      launchBrowser(),
      startServer({}, { model }),
      startServer({}, { model: toyDigitModel() }),
      startServer({ API_KEYS: API_KEY }, { model }),
    ]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([shipped?.close(), toy?.close(), keyed?.close()]);
  });

  afterEach(async () => {
    expect(browser.pageErrors).toEqual([]);
    await Promise.all(browser.context.pages().map((p) => p.close()));
  });

  it('names the set it was computed on (the held-out training digits, not “a labelled test set”), and scales the per-digit bars so their differences show', async () => {
    const report = (await (await fetch(`${shipped.url}/eval`)).json()) as EvalReport;
    expect(report.dataset.name).toBe('holdout');
    const accuracies = report.perClass.map((c) => c.accuracy);
    const lowest = Math.min(...accuracies);
    expect(lowest, 'the shipped weights read every digit of the held-out set at 90% or more').toBeGreaterThanOrEqual(0.9);

    const page = await browser.newPage();
    await openEval(page, shipped.url);
    expect(await page.isVisible('#eval-body')).toBe(true);
    // the heading and the sentence under it say which set, in the service's words
    const heading = await page.textContent('#eval-heading');
    expect(heading).toBe(`Accuracy on ${report.dataset.name}`);
    expect(heading).not.toContain('test set');
    expect(await page.textContent('#eval-about')).toBe(asSentence(report.dataset.description));
    expect(await page.textContent('#eval-about')).toContain('held out by the trainer');

    // the bars' axis starts under the lowest digit's accuracy, not at 0, and says where
    const start = Number(await page.getAttribute('#per-class', 'data-axis-start'));
    expect(start).toBeGreaterThan(0);
    expect(start).toBeLessThan(lowest);
    expect(start).toBeGreaterThanOrEqual(lowest - 0.1);
    const from = `${Math.round(100 * start)}%`;
    expect(await page.textContent('#per-class-axis-from')).toBe(from);
    expect(await page.textContent('#per-class-axis-to')).toBe('100%');
    expect(await page.textContent('#per-class-scale')).toContain(`from ${from} (empty) to 100% (full)`);
    // each bar filled by its accuracy's place on that axis: the best and the worst look apart
    const shares = await barShares(page);
    expect(shares).toHaveLength(10);
    shares.forEach((share, k) => expect(share, `digit ${k}`).toBeCloseTo((accuracies[k]! - start) / (1 - start), 1));
    expect(Math.max(...shares) - Math.min(...shares)).toBeGreaterThan(0.3);
    expect(Math.min(...shares), 'the lowest bar still shows').toBeGreaterThan(0.05);
    // the accuracy as text beside each bar, unchanged
    const texts = await page.$$eval('#per-class tbody tr td:nth-child(2)', (tds) => tds.map((td) => td.textContent));
    expect(texts).toEqual(accuracies.map((a) => `${(100 * a).toFixed(1)}%`));
    await screenshot(page, '13-eval-holdout');

    // on a phone the bars and their axis fit without sideways scrolling
    const phone = await browser.newPage(PHONE);
    await openEval(phone, shipped.url);
    expect(await noHorizontalOverflow(phone)).toEqual({ scrollWidth: PHONE.width, clientWidth: PHONE.width });
    await screenshot(phone, '14-phone-eval-holdout');
  });

  it("shows a 503 eval_unavailable as the problem's title, then its detail apart, with nothing else in view", async () => {
    const answer = await fetch(`${toy.url}/eval`);
    expect(answer.status).toBe(503);
    const problem = (await answer.json()) as { code: string; title: string; detail: string };
    expect(problem.code).toBe('eval_unavailable');

    const page = await browser.newPage();
    await openPage(page, toy.url);
    await page.click('#tab-eval');
    await page.waitForSelector('#eval-status[data-code="eval_unavailable"]');
    expect(await page.textContent('#eval-status .eval-status__title')).toBe(problem.title);
    expect(await page.textContent('#eval-status .eval-status__detail')).toBe(asSentence(problem.detail));
    expect(await page.textContent('#eval-status .eval-status__detail')).toContain('MNIST_DIR');
    // one under the other, not run together on a line
    const title = (await page.locator('#eval-status .eval-status__title').boundingBox())!;
    const detail = (await page.locator('#eval-status .eval-status__detail').boundingBox())!;
    expect(detail.y).toBeGreaterThanOrEqual(title.y + title.height);
    // no claim about a set the view could not score
    expect(await page.textContent('#eval-heading')).toBe('Model accuracy');
    expect(await page.isHidden('#eval-body')).toBe(true);
    expect(page.url()).toMatch(/#eval$/);
    await screenshot(page, '07-eval-unavailable');
  });

  it('asks for the API key on a 401 from /eval with the focus in its field, and shows the accuracy once it is typed', async () => {
    const page = await browser.newPage();
    await openEval(page, keyed.url);
    expect(await page.getAttribute('#eval-status', 'data-code')).toBe('unauthorized');
    expect(await page.textContent('#eval-status .eval-status__title')).toBe('This server needs an API key');
    expect(await page.getAttribute('#settings', 'open')).not.toBeNull();
    expect(await focusedId(page)).toBe('api-key');
    await page.keyboard.type(API_KEY);
    await page.keyboard.press('Tab');
    await page.waitForSelector('#eval-body:not([hidden])');
    expect(await page.textContent('#eval-heading')).toBe('Accuracy on holdout');
    await page.evaluate(() => (globalThis as unknown as { localStorage: { clear(): void } }).localStorage.clear());
  });
});
