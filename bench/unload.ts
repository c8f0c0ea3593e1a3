/**
 * Whether unloading a model gives its memory back: the app, in this process, serves a
 * repository of `--versions` versions; all but the highest are removed and the repository is
 * looked at again; after each step a full garbage collection, then the resident set and the
 * external (ArrayBuffer and WebAssembly) memory. Repeated `--rounds` times over the same
 * process, so memory kept by an unloaded version would add up.
 *
 *   npm run bench:unload -- [--versions 6] [--rounds 5]
 */
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildApp } from '../src/app.js';
import { DEFAULT_WEIGHTS, loadConfig } from '../src/config.js';
import { holdoutFiles } from '../src/data/holdout-files.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (npm run bench:unload does)');

const { values } = parseArgs({ options: { versions: { type: 'string', default: '6' }, rounds: { type: 'string', default: '5' } } });
const [versions, rounds] = [Number(values.versions), Number(values.rounds)];

const repository = await mkdtemp(join(tmpdir(), 'bench-unload-'));
// with the held-out digits beside it, so each version is scored (1,000 rows through its kernel) before it serves
const put = async (version: number) => {
  const file = join(repository, 'digits', String(version), 'model.safetensors');
  await mkdir(dirname(file), { recursive: true });
  const [from, to] = [holdoutFiles(DEFAULT_WEIGHTS), holdoutFiles(file)];
  await Promise.all([copyFile(from.images, to.images), copyFile(from.labels, to.labels)]);
  await copyFile(DEFAULT_WEIGHTS, file);
};

const settle = async () => {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 50));
  }
  const { rss, external } = process.memoryUsage();
  return { rss: rss / 2 ** 20, external: external / 2 ** 20 };
};

await put(1);
const app = await buildApp(loadConfig({ MODEL_REPOSITORY: repository, MODEL_POLL_INTERVAL_MS: '0', LOG_LEVEL: 'silent' }));
await app.ready();
const row = (what: string, m: { rss: number; external: number }) =>
  console.log(`| ${what} | ${app.models.all().length} | ${m.rss.toFixed(1)} | ${m.external.toFixed(1)} |`);
console.log('| step | versions served | RSS MiB | external MiB |\n| --- | --- | --- | --- |');
row('start, one version', await settle());
let next = 2;
for (let round = 1; round <= rounds; round++) {
  for (let i = 0; i < versions - 1; i++) await put(next++);
  await app.modelRepository!.sync();
  row(`round ${round}: ${versions - 1} versions in`, await settle());
  for (const model of app.models.all().slice(0, -1)) await rm(join(repository, 'digits', model.ref.version), { recursive: true });
  await app.modelRepository!.sync();
  row(`round ${round}: all but the highest out`, await settle());
}
await app.close();
await rm(repository, { recursive: true, force: true });
