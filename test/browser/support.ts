/**
 * Driving Debian's Chromium with playwright-core: launch, screenshots, and drawing a 28x28
 * digit on the page's pad with the mouse (or a finger, through CDP touch events); the requests
 * and uploads the tests share; and a recording proxy, to see the bytes the page sends.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type JSHandle, type Page, type Response } from 'playwright-core';

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

/** A horizontal stroke across the pad, with the mouse: from `from` to `to` of its width, at `at` of its height. */
export async function drawStroke(page: Page, from = 0.3, to = 0.7, at = 0.5): Promise<void> {
  const box = (await page.locator('#pad').boundingBox())!;
  await page.mouse.move(box.x + box.width * from, box.y + box.height * at);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * to, box.y + box.height * at, { steps: 4 });
  await page.mouse.up();
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

/** Matches a request or a response by its URL's path. */
export const isPath =
  (path: string) =>
  (r: { url(): string }): boolean =>
    new URL(r.url()).pathname === path;

/** Requests the page sends to a path, counted from now on. */
export function countRequests(page: Page, path: string): { readonly count: number } {
  const counter = { count: 0 };
  page.on('request', (r) => {
    if (isPath(path)(r)) counter.count++;
  });
  return counter;
}

/** Upload a file through the file input; resolves with the answer from `path` once the page has shown it. */
export async function uploadTo(page: Page, path: string, file: string): Promise<{ response: Response; shown: Shown }> {
  const [response] = await Promise.all([page.waitForResponse(isPath(path)), page.setInputFiles('#file', file)]);
  return { response, shown: await settledResult(page) };
}

/** A DataTransfer holding one file, made in the page: what a drop on the pad carries. */
export function fileTransfer(page: Page, bytes: Buffer, name: string, type: string): Promise<JSHandle> {
  return page.evaluateHandle(
    ({ data, name, type }) => {
      const g = globalThis as unknown as {
        DataTransfer: new () => { items: { add(f: unknown): void } };
        File: new (parts: Uint8Array[], name: string, o: { type: string }) => unknown;
        atob(s: string): string;
      };
      const t = new g.DataTransfer();
      t.items.add(new g.File([Uint8Array.from(g.atob(data), (c) => c.charCodeAt(0))], name, { type }));
      return t;
    },
    { data: bytes.toString('base64'), name, type },
  );
}

/** The page's width against its viewport's: equal when nothing makes it scroll sideways. */
export async function noHorizontalOverflow(page: Page): Promise<{ scrollWidth: number; clientWidth: number }> {
  return page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
}

/** The id of the element holding the keyboard focus ('' for one without an id, or none). */
export async function focusedId(page: Page): Promise<string> {
  return page.evaluate(() => (document as unknown as { activeElement: { id: string } | null }).activeElement?.id ?? '');
}

/** A request as it went over the wire to the server: its whole body included. */
export interface Recorded {
  readonly method: string;
  /** the path and query */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface RecordingProxy {
  /** open the page here: same origin for the page and its API calls */
  readonly url: string;
  /** every request forwarded, oldest first */
  readonly requests: readonly Recorded[];
  /** the last request to a path (without its query) */
  last(path: string): Recorded | undefined;
  close(): Promise<void>;
}

/**
 * A plain HTTP proxy in front of a running server that keeps every request's bytes. Chromium's
 * DevTools protocol leaves a Blob's bytes out of a request's post data (what a page's
 * `fetch(FormData)` of a File sends), so Playwright's `request.postDataBuffer()` and
 * `request.sizes()` under-count an upload: the proxy sees what goes over the wire.
 */
export async function recordingProxy(target: string): Promise<RecordingProxy> {
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks) };
      requests.push(recorded);
      const upstream = httpRequest(new URL(recorded.url, target), { method: recorded.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', (err) => res.destroy(err));
      upstream.end(recorded.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    last: (path) => requests.findLast((r) => new URL(r.url, 'http://x').pathname === path),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The file a recorded multipart request carried in its field `image`: name, type and bytes. */
export async function sentImage(recorded: Recorded): Promise<{ filename: string; type: string; bytes: Buffer }> {
  const form = await new Response(new Uint8Array(recorded.body), {
    headers: { 'content-type': recorded.headers['content-type'] ?? '' },
  }).formData();
  const file = form.get('image');
  if (file === null || typeof file === 'string') throw new Error(`${recorded.url}: no file in the field image`);
  return { filename: file.name, type: file.type, bytes: Buffer.from(await file.arrayBuffer()) };
}
