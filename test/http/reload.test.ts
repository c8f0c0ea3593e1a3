/**
 * Versions swapped while the server runs: a version written into the repository is checked,
 * warmed up and scored before it is served, then becomes the default, while a concurrent load
 * sees no error and every answer names one version; a corrupt file is refused (log line,
 * metric, index) and what served before goes on serving; a version removed drains; the
 * repository API loads and unloads a model, behind the API keys.
 */
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_WEIGHTS } from '../../src/config.js';
import { holdoutFiles } from '../../src/data/holdout-files.js';
import { loadWeights, saveWeights } from '../../src/model/weights/load.js';
import { toyDigitModel } from '../support/models.js';
import { strokePixels } from '../support/pixels.js';
import { startServer, type RunningServer } from '../support/server.js';

const KEY = 'reload-test-key';
const auth = { authorization: `Bearer ${KEY}` };

/** Our weights as `name/version`, with the held-out digits beside them, so the version is scored. */
async function putOurs(repository: string, name: string, version: string): Promise<string> {
  const folder = join(repository, name, version);
  await mkdir(folder, { recursive: true });
  const file = join(folder, 'model.safetensors');
  const [from, to] = [holdoutFiles(DEFAULT_WEIGHTS), holdoutFiles(file)];
  await copyFile(from.images, to.images);
  await copyFile(from.labels, to.labels);
  // written under another name and renamed, as an operator should: a scan never sees half a file
  await copyFile(DEFAULT_WEIGHTS, `${file}.part`);
  await rename(`${file}.part`, file);
  return file;
}

/** A file put in as `name/version`: written beside and renamed, as an operator should, so no scan sees half of it. */
async function putFile(repository: string, name: string, version: string, bytes: Uint8Array): Promise<string> {
  const folder = join(repository, name, version);
  await mkdir(folder, { recursive: true });
  const file = join(folder, 'model.safetensors');
  await writeFile(`${file}.part`, bytes);
  await rename(`${file}.part`, file);
  return file;
}

/** The bytes of a small network of its own (toyDigitModel's `seed`). */
async function toyBytes(seed: number): Promise<Buffer> {
  const scratch = await mkdtemp(join(tmpdir(), 'digit-serve-toy-'));
  const file = join(scratch, 'toy.safetensors');
  await saveWeights(file, toyDigitModel(seed).mlp, { name: `toy-${seed}` });
  const bytes = await readFile(file);
  await rm(scratch, { recursive: true });
  return bytes;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('a running server follows its model repository', () => {
  let repository: string;
  let server: RunningServer;

  const models = async () => (await request(server.url).get('/models').set(auth).expect(200)).body;
  const defaultVersion = async () => (await models()).models.find((m: { name: string }) => m.name === 'digits').defaultVersion as string;
  const index = async () => (await request(server.url).get('/v2/repository/index').set(auth).expect(200)).body as Record<string, string>[];

  beforeAll(async () => {
    repository = await mkdtemp(join(tmpdir(), 'digit-serve-reload-'));
    await putOurs(repository, 'digits', '2');
    const config = { MODEL_REPOSITORY: repository, MODEL_POLL_INTERVAL_MS: '50', API_KEYS: KEY };
    server = await startServer(config);
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await rm(repository, { recursive: true, force: true });
  });

  it('serves a version 3 written in, only after it is scored; a concurrent load sees no error and answers of one version each', async () => {
    const pixels = strokePixels();
    const seen: { client: number; status: number; versions: string[] }[] = [];
    let stop = false;
    const client = async (id: number) => {
      while (!stop) {
        const batch = id % 2 === 1;
        const res = batch
          ? await request(server.url)
              .post('/predict/batch')
              .set(auth)
              .send({ inputs: [{ pixels }, { pixels }, { pixels }] })
          : await request(server.url).post('/predict').set(auth).send({ pixels });
        const versions = batch
          ? [res.body.model?.version, ...(res.body.results ?? []).map((r: { model: { version: string } }) => r.model.version)]
          : [res.body.model?.version];
        seen.push({ client: id, status: res.status, versions });
      }
    };
    const load = [0, 1, 2, 3].map(client);
    await until('answers before the swap', async () => (seen.length >= 20 ? true : undefined));
    await putOurs(repository, 'digits', '3');
    await until('version 3 the default', async () => ((await defaultVersion()) === '3' ? true : undefined));
    // the first sight of version 3 already has its eval: it was scored before it was served
    const listed = (await models()).models[0].versions.find((v: { version: string }) => v.version === '3');
    expect(listed.eval).toMatchObject({ dataset: 'holdout' });
    const after = seen.length;
    await until('answers after the swap', async () => (seen.length >= after + 20 ? true : undefined));
    stop = true;
    await Promise.all(load);

    expect(seen.filter((s) => s.status !== 200)).toEqual([]);
    for (const { versions } of seen) {
      expect(new Set(versions).size).toBe(1);
      expect(['2', '3']).toContain(versions[0]);
    }
    // each client in turn: once it got version 3, never version 2 again
    for (const id of [0, 1, 2, 3]) {
      const mine = seen.filter((s) => s.client === id).map((s) => s.versions[0]);
      expect(mine.slice(mine.indexOf('3'))).not.toContain('2');
      expect(mine.at(-1)).toBe('3');
    }
    // version 2 is still served to those who ask for it
    const two = await request(server.url).post('/predict?version=2').set(auth).send({ pixels }).expect(200);
    expect(two.body.model.version).toBe('2');
  });

  it('refuses a corrupt version 4 and a file whose checksum does not match; version 3 goes on serving', async () => {
    const toy = await toyBytes(7);
    const file = await putFile(repository, 'digits', '4', toy.subarray(0, 100));
    const refused = await until('version 4 refused', async () => (await index()).find((v) => v.version === '4'));
    expect(refused).toMatchObject({ name: 'digits', state: 'UNAVAILABLE' });
    expect(refused.reason).toMatch(/cannot load weights from .*model\.safetensors/);
    const metrics = (await request(server.url).get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/^digit_serve_model_refused\{model="digits",version="4"\} 1$/m);
    expect(await defaultVersion()).toBe('3');
    await request(server.url).post('/predict').set(auth).send({ pixels: strokePixels() }).expect(200);
    await request(server.url).post('/predict?version=4').set(auth).send({ pixels: strokePixels() }).expect(404);

    // a good file whose checksum file says otherwise is refused too
    await writeFile(`${file}.sha256`, `${'ab'.repeat(32)}  model.safetensors\n`);
    await putFile(repository, 'digits', '4', toy);
    await until('the checksum refusal', async () =>
      (await index()).find((v) => v.version === '4' && /model\.safetensors\.sha256 beside it says abab/.test(v.reason)),
    );
    expect(await defaultVersion()).toBe('3');

    // mended (the right checksum): served, the refusal and its metric gone
    const { sha256 } = await loadWeights(file).then((m) => m.info);
    await writeFile(`${file}.sha256`, `${sha256}  model.safetensors\n`);
    await until('version 4 served', async () => ((await defaultVersion()) === '4' ? true : undefined));
    expect((await index()).filter((v) => v.state !== 'READY')).toEqual([]);
    expect((await request(server.url).get('/metrics').expect(200)).text).not.toMatch(/digit_serve_model_refused\{/);
  });

  it('stops serving a version whose folder is gone, and keeps the default model’s last version', async () => {
    await rm(join(repository, 'digits', '4'), { recursive: true });
    await until('version 4 gone', async () => ((await defaultVersion()) === '3' ? true : undefined));
    await request(server.url).post('/predict?version=4').set(auth).send({ pixels: strokePixels() }).expect(404);
    const metrics = (await request(server.url).get('/metrics').expect(200)).text;
    expect(metrics).not.toMatch(/digit_serve_model_info\{model="digits",version="4"/);
    expect(metrics).toMatch(/digit_serve_model_info\{model="digits",version="3"/);
  });

  it('loads and unloads a model through the repository API, behind the API keys', async () => {
    await putFile(repository, 'other', '1', await toyBytes(99));
    await until('model other served', async () =>
      (await models()).models.some((m: { name: string }) => m.name === 'other') ? true : undefined,
    );
    await request(server.url).post('/v2/repository/models/other/unload').expect(401);
    await request(server.url).post('/v2/repository/models/other/unload').set(auth).expect(200, {});
    expect((await models()).models.map((m: { name: string }) => m.name)).toEqual(['digits']);
    expect((await index()).find((v) => v.name === 'other')).toEqual({
      name: 'other',
      version: '',
      state: 'UNAVAILABLE',
      reason: 'unloaded',
    });
    await request(server.url).post('/predict?model=other').set(auth).send({ pixels: strokePixels() }).expect(404);
    // the poll leaves an unloaded model alone
    await new Promise((r) => setTimeout(r, 200));
    expect((await models()).models.map((m: { name: string }) => m.name)).toEqual(['digits']);

    await request(server.url).post('/v2/repository/models/other/load').set(auth).expect(200, {});
    const answer = await request(server.url).post('/predict?model=other').set(auth).send({ pixels: strokePixels() }).expect(200);
    expect(answer.body.model).toMatchObject({ name: 'other', version: '1' });

    const refused = await request(server.url).post('/v2/repository/models/digits/unload').set(auth).expect(409);
    expect(refused.body.error).toMatch(/^default_model: 'digits' is the default model/);
    const missing = await request(server.url).post('/v2/repository/models/nothing/load').set(auth).expect(400);
    expect(missing.body.error).toBe("model_load_failed: the repository holds no version of model 'nothing'");
  });
});

describe('a bad version at start-up', () => {
  it('is refused as it would be later, and the rest serves; without a version of the default model, start-up names the refusal', async () => {
    const repository = await mkdtemp(join(tmpdir(), 'digit-serve-start-bad-'));
    try {
      await putOurs(repository, 'digits', '1');
      await putFile(repository, 'digits', '2', Buffer.from('not a safetensors file'));
      const server = await startServer({ MODEL_REPOSITORY: repository, MODEL_POLL_INTERVAL_MS: '0' });
      try {
        const index = (await request(server.url).get('/v2/repository/index').expect(200)).body as Record<string, string>[];
        expect(index.map((v) => [v.name, v.version, v.state])).toEqual([
          ['digits', '1', 'READY'],
          ['digits', '2', 'UNAVAILABLE'],
        ]);
        expect(index[1]!.reason).toMatch(/cannot load weights from .*digits\/2\/model\.safetensors/);
        const metrics = (await request(server.url).get('/metrics').expect(200)).text;
        expect(metrics).toMatch(/^digit_serve_model_refused\{model="digits",version="2"\} 1$/m);
        const answer = await request(server.url).post('/predict').send({ pixels: strokePixels() }).expect(200);
        expect(answer.body.model.version).toBe('1');
      } finally {
        await server.close();
      }
      await rm(join(repository, 'digits', '1'), { recursive: true });
      await expect(startServer({ MODEL_REPOSITORY: repository })).rejects.toThrow(
        /^no version in MODEL_REPOSITORY could be served; digits version 2 was refused: cannot load weights from .*digits\/2\/model\.safetensors/,
      );
    } finally {
      await rm(repository, { recursive: true, force: true });
    }
  });
});
