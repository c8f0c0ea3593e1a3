/**
 * What serving several models costs: the service started on a repository of one model and on
 * one of three (the book's network, ours, and ours again as a third version), each started
 * `rounds` times in turn; per start, the time from spawn to /health/ready and the resident
 * memory once ready (every version loaded, checked, made resident and warmed up).
 *
 *   npm run bench:models -- [--rounds 3]
 *
 * Needs ../shared/data for the book's weights (else ours stands in for it).
 */
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_WEIGHTS } from '../src/config.js';
import { loadWeights, saveWeights } from '../src/model/weights/load.js';
import { hasSharedData, sharedPath } from '../test/support/shared-data.js';
import { startChildServer } from './lib/child-server.js';
import { median } from './lib/median.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } });
const rounds = Number(values.rounds);

const work = await mkdtemp(join(tmpdir(), 'bench-models-'));
const one = join(work, 'one');
const three = join(work, 'three');
const place = async (repository: string, version: string) => {
  await mkdir(join(repository, 'digits', version), { recursive: true });
  return join(repository, 'digits', version, 'model.safetensors');
};
await copyFile(DEFAULT_WEIGHTS, await place(one, '1'));
const book = hasSharedData ? await loadWeights(sharedPath('dlfs/sample_weight.pkl')) : await loadWeights(DEFAULT_WEIGHTS);
await saveWeights(await place(three, '1'), book.mlp, { name: 'dlfs-sample-weight' });
await copyFile(DEFAULT_WEIGHTS, await place(three, '2'));
await copyFile(DEFAULT_WEIGHTS, await place(three, '3'));

const runs = { one: [] as { ms: number; rss: number }[], three: [] as { ms: number; rss: number }[] };
try {
  for (let round = 0; round < rounds; round++) {
    for (const [name, repository] of [
      ['one', one],
      ['three', three],
    ] as const) {
      const started = performance.now();
      const server = await startChildServer({ MODEL_REPOSITORY: repository, WORKERS: '1' });
      const ms = performance.now() - started;
      const rss = server.rss();
      await server.stop();
      runs[name].push({ ms, rss });
      console.log(
        `round ${round + 1}, ${name === 'one' ? '1 model' : '3 models'}: ready in ${ms.toFixed(0)} ms, RSS ${(rss / 2 ** 20).toFixed(1)} MiB`,
      );
    }
  }
} finally {
  await rm(work, { recursive: true, force: true });
}

const summary = (name: keyof typeof runs) => ({
  ms: median(runs[name].map((r) => r.ms)),
  rss: median(runs[name].map((r) => r.rss)) / 2 ** 20,
});
const [a, b] = [summary('one'), summary('three')];
console.log(`\n| repository | ready after (median ms) | RSS once ready (median MiB) |\n| --- | --- | --- |`);
console.log(`| 1 model | ${a.ms.toFixed(0)} | ${a.rss.toFixed(1)} |`);
console.log(`| 3 models | ${b.ms.toFixed(0)} | ${b.rss.toFixed(1)} |`);
console.log(`\neach model beyond the first: ${((b.rss - a.rss) / 2).toFixed(2)} MiB, ${((b.ms - a.ms) / 2).toFixed(0)} ms of start-up`);
