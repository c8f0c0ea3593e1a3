/**
 * Driving Debian's Chromium with playwright-core: launch, screenshots, and drawing a 28x28
 * digit on the page's pad with the mouse (or a finger, through CDP touch events).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/**
 * The little of the DOM the tests touch inside page.evaluate (the project's tsconfig has no DOM
 * lib, and should not get one for src/). Each test file declares `document` with this type.
 */
export interface PageElement {
  readonly dataset: Record<string, string | undefined>;
  readonly textContent: string | null;
  readonly hidden: boolean;
  getAttribute(name: string): string | null;
  getBoundingClientRect(): { left: number; right: number; top: number; bottom: number; width: number; height: number };
}
export interface PageDocument {
  getElementById(id: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
  readonly documentElement: PageElement & { readonly scrollWidth: number; readonly clientWidth: number };
}
declare const document: PageDocument;

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** `npx playwright install` cannot download browsers here: the system's Chromium (apt-get install chromium) */
export const CHROMIUM_PATH = process.env.DIGIT_SERVE_CHROMIUM ?? '/usr/bin/chromium';
export const hasChromium: boolean = existsSync(CHROMIUM_PATH);

export const SCREENSHOT_DIR = resolve(repoRoot, 'artifacts/screenshots');

/** Say loudly that the browser tests are skipped, and how to get them back. */
export function warnIfChromiumMissing(what: string): void {
  if (hasChromium) return;
  console.warn(
    `\n!!! SKIPPED: ${what} need Chromium at ${CHROMIUM_PATH}, not found ` +
      '(install it with: apt-get update && apt-get install -y chromium; or set DIGIT_SERVE_CHROMIUM).\n',
  );
}

export const DESKTOP = { width: 1100, height: 900 } as const;
export const PHONE = { width: 390, height: 844 } as const;

export interface Browser {
  readonly context: BrowserContext;
  /** uncaught exceptions thrown by the pages' scripts, as `page: message` */
  readonly pageErrors: string[];
  newPage(viewport?: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
}

/** A headless Chromium with a fresh profile in a temporary directory, removed on close. */
export async function launchBrowser(): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'digit-serve-chromium-'));
  // Playwright takes the profile directory itself (as --user-data-dir) for a persistent context
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: DESKTOP,
    hasTouch: true,
    deviceScaleFactor: 1,
    timeout: 30_000,
  });
  context.setDefaultTimeout(20_000);
  // the persistent context opens with one blank tab: close it, each test opens its own
  await Promise.all(context.pages().map((p) => p.close()));
  const pageErrors: string[] = [];
  return {
    context,
    pageErrors,
    async newPage(viewport = DESKTOP) {
      const page = await context.newPage();
      await page.setViewportSize(viewport);
      // an uncaught error in the page's script is a test failure, not a line lost in the browser
      page.on('pageerror', (err) => pageErrors.push(`${page.url()}: ${err.message}`));
      return page;
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  // transitions finished, so the bars are drawn at their values
  await page.screenshot({ path, fullPage: true, animations: 'disabled' });
  return path;
}

/** The page, loaded and its script running. */
export async function openPage(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForSelector('html[data-ready="true"]');
}

export interface Shown {
  /** `empty`, `result` or `error` (data-state of #result) */
  state: string;
  /** the big character: a digit, `?` or `!` */
  digit: string;
  /** the live region's sentence */
  status: string;
  detail: string;
}

/** Wait until the result panel has settled (no request pending) and read it. */
export async function settledResult(page: Page, timeout = 20_000): Promise<Shown> {
  await page.waitForFunction(() => document.getElementById('result')?.getAttribute('aria-busy') !== 'true', undefined, { timeout });
  return page.evaluate(() => ({
    state: document.getElementById('result')!.dataset.state ?? '',
    digit: document.getElementById('prediction')!.textContent ?? '',
    status: document.getElementById('status')!.textContent ?? '',
    detail: document.getElementById('error-detail')!.textContent ?? '',
  }));
}

/** A horizontal run of ink in a 28x28 digit: row, first and last column. */
export interface Run {
  readonly row: number;
  readonly from: number;
  readonly to: number;
}

/** The digit's ink as horizontal runs of pixels at or above `threshold` (0..255). */
export function inkRuns(pixels: Uint8Array, threshold = 128, side = 28): Run[] {
  const runs: Run[] = [];
  for (let row = 0; row < side; row++) {
    let from = -1;
    for (let col = 0; col <= side; col++) {
      const ink = col < side && pixels[row * side + col]! >= threshold;
      if (ink && from < 0) from = col;
      if (!ink && from >= 0) {
        runs.push({ row, from, to: col - 1 });
        from = -1;
      }
    }
  }
  return runs;
}

/**
 * Draw a 28x28 digit on the pad as a person with a mouse would: one stroke along each
 * horizontal run of ink, the 28x28 grid scaled onto the canvas as shown on screen.
 */
export async function drawDigitWithMouse(page: Page, pixels: Uint8Array, threshold = 128): Promise<number> {
  const box = await page.locator('#pad').boundingBox();
  if (!box) throw new Error('the pad is not visible');
  const cell = box.width / 28;
  const at = (col: number, row: number) => [box.x + (col + 0.5) * cell, box.y + (row + 0.5) * cell] as const;
  const runs = inkRuns(pixels, threshold);
  for (const run of runs) {
    await page.mouse.move(...at(run.from, run.row));
    await page.mouse.down();
    if (run.to > run.from) await page.mouse.move(...at(run.to, run.row), { steps: 1 });
    await page.mouse.up();
  }
  return runs.length;
}

/** One finger stroke through `points` (page coordinates), as touch events the browser turns into pointer events. */
export async function touchStroke(page: Page, points: ReadonlyArray<readonly [number, number]>): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  const touch = (x: number, y: number) => [{ x, y, id: 1, radiusX: 4, radiusY: 4, force: 0.5 }];
  const [first, ...rest] = points;
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: touch(...first!) });
  for (const p of rest) await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: touch(...p) });
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.detach();
}
