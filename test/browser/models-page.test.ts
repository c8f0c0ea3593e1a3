/**
 * The page's model picker in a real browser against a server with a model repository: shown
 * when the server serves several versions, its choice sent with /predict and /eval and named in
 * the answer; hidden for a server of one model; a model of other labels (clothes) shows its
 * labels on the result and its bars.
 *
 * Skipped, loudly, without /usr/bin/chromium.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { saveWeights } from '../../src/model/weights/load.js';
import { toyDigitModel } from '../support/models.js';
import { startServer, type RunningServer } from '../support/server.js';
import { drawStroke, hasChromium, launchBrowser, openPage, settledResult, warnIfChromiumMissing, type Browser } from './support.js';

const CLOTHES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

warnIfChromiumMissing('the browser tests of the model picker (test/browser/models-page.test.ts)');

describe.skipIf(!hasChromium)('the model picker in Chromium', () => {
  let browser: Browser;
  let repository: string;
  let several: RunningServer;
  let one: RunningServer;
  let clothes: RunningServer;
  let clothesRepository: string;

  beforeAll(async () => {
    repository = await mkdtemp(join(tmpdir(), 'digit-serve-page-repo-'));
    const toy = toyDigitModel();
    for (const version of ['1', '2']) {
      await mkdir(join(repository, 'digits', version), { recursive: true });
      // version 2's last layer scaled: the two versions answer the same picture differently
      const mlp =
        version === '1'
          ? toy.mlp
          : { ...toy.mlp, layers: toy.mlp.layers.map((l, i) => (i === 1 ? { ...l, weights: l.weights.map((w) => w * 3) } : l)) };
      await saveWeights(join(repository, 'digits', version, 'model.safetensors'), mlp, { name: 'toy' });
    }
    clothesRepository = await mkdtemp(join(tmpdir(), 'digit-serve-page-clothes-'));
    for (const name of ['digits', 'clothes']) await mkdir(join(clothesRepository, name, '1'), { recursive: true });
    await saveWeights(join(clothesRepository, 'digits/1/model.safetensors'), toy.mlp, { name: 'toy' });
    await saveWeights(join(clothesRepository, 'clothes/1/model.safetensors'), toyDigitModel(7).mlp, {
      name: 'toy-clothes',
      labels: JSON.stringify(CLOTHES),
      profile: 'plain',
    });
    // a small labelled set of its own, one picture per class, so its eval tab has a table to show
    const pictures = Buffer.alloc(10 * 784, 0);
    for (let c = 0; c < 10; c++) pictures.fill(20 * c + 40, c * 784 + 300, c * 784 + 500);
    const idx = (magic: number, dims: number[], data: Buffer) => {
      const header = Buffer.alloc(4 + 4 * dims.length);
      header.writeUInt32BE(magic, 0);
      dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
      return Buffer.concat([header, data]);
    };
    await writeFile(join(clothesRepository, 'clothes/1/t10k-images-idx3-ubyte'), idx(0x803, [10, 28, 28], pictures));
    await writeFile(join(clothesRepository, 'clothes/1/t10k-labels-idx1-ubyte'), idx(0x801, [10], Buffer.from(CLOTHES.map((_, c) => c))));
    [browser, several, one, clothes] = await Promise.all([
      launchBrowser(),
      startServer({ MODEL_REPOSITORY: repository }),
      startServer({}, { model: toyDigitModel() }),
      startServer({ MODEL_REPOSITORY: clothesRepository, DEFAULT_MODEL: 'digits' }),
    ]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([several?.close(), one?.close(), clothes?.close()]);
    await rm(repository, { recursive: true, force: true });
    await rm(clothesRepository, { recursive: true, force: true });
  });

  afterEach(async () => {
    expect(browser.pageErrors).toEqual([]);
    await Promise.all(browser.context.pages().map((p) => p.close()));
  });

  it('lists the versions, the default first and chosen; a choice goes with /predict and the answer names it', async () => {
    const page = await browser.newPage();
    await openPage(page, several.url);
    await page.waitForSelector('#model-choice-field:not([hidden])');
    expect(await page.$$eval('#model-choice option', (o) => o.map((x) => (x as unknown as { textContent: string }).textContent))).toEqual([
      'digits 2 (default)',
      'digits 1',
    ]);
    // the default is sent as no choice: the request a client naming no model sends
    const [byDefault] = await Promise.all([page.waitForRequest((r) => new URL(r.url()).pathname === '/predict'), drawStroke(page)]);
    expect(new URL(byDefault.url()).searchParams.has('model')).toBe(false);
    await settledResult(page);
    expect(await page.textContent('#model-ref')).toContain('Model digits, version 2');

    const [chosen] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === '/predict'),
      page.selectOption('#model-choice', 'digits@1'),
    ]);
    expect(new URL(chosen.url()).searchParams.get('version')).toBe('1');
    expect(((await chosen.json()) as { model: { version: string } }).model.version).toBe('1');
    await settledResult(page);
    expect(await page.textContent('#model-ref')).toContain('Model digits, version 1');
  });

  it('names the classes of a model of clothes by its labels, on the answer and on every bar, and the digits again after', async () => {
    const page = await browser.newPage();
    await openPage(page, clothes.url);
    await page.waitForSelector('#model-choice-field:not([hidden])');
    await drawStroke(page);
    await settledResult(page);
    expect(await page.$$eval('#bars .bar__label', (l) => l.map((x) => (x as unknown as { textContent: string }).textContent))).toEqual(
      CLOTHES.map((_, d) => String(d)),
    );
    const [answer] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === '/predict'),
      page.selectOption('#model-choice', 'clothes@1'),
    ]);
    const { prediction } = (await answer.json()) as { prediction: number };
    await expect.poll(() => page.textContent('#prediction')).toBe(CLOTHES[prediction]);
    expect(await page.$$eval('#bars .bar__label', (l) => l.map((x) => (x as unknown as { textContent: string }).textContent))).toEqual(
      CLOTHES,
    );
    expect(await page.textContent('#model-ref')).toContain('Model clothes, version 1');
    // the eval tab names the classes too
    await page.click('#tab-eval');
    await expect
      .poll(() => page.$$eval('#per-class tbody th', (th) => th.map((x) => (x as unknown as { textContent: string }).textContent)))
      .toEqual(CLOTHES.map((name, c) => `${c} ${name}`));
    await page.click('#tab-draw');
    await page.selectOption('#model-choice', '');
    await expect.poll(() => page.textContent('#prediction')).toMatch(/^\d$/);
    expect(await page.textContent('#bars .bar__label')).toBe('0');
  });

  it('stays hidden for a server of one model', async () => {
    const page = await browser.newPage();
    const models = page.waitForResponse((r) => new URL(r.url()).pathname === '/models');
    await openPage(page, one.url);
    await models;
    expect(await page.isHidden('#model-choice-field')).toBe(true);
  });
});
