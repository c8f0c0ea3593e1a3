/**
 * Where a request's time goes, piece by piece, with no HTTP in the way: the forward pass
 * alone, one picture's decode per format through each pipeline, and the first GET /eval.
 * The load benches (soak, overload, compare) say what a client notices; these say which
 * piece to speed up. Not run in CI; results go to docs/BENCHMARKS.md.
 *
 *   nice npm run bench:micro -- --seconds 1
 *
 * Options: --seconds per figure (1), spent as 5 repetitions after a warm-up at least as long as
 * one of them; the median is printed, because a shared machine makes single repetitions slow at
 * random. A call longer than a repetition (a batch of 10,000) runs once per repetition.
 * Needs the shared data (MNIST t10k, the book's weights) and weights/digit-serve-mlp.safetensors.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { loadMnistSplit, type MnistSplit } from '../src/data/idx.js';
import { loadMnistTestSet } from '../src/eval/dataset.js';
import { evaluate } from '../src/eval/evaluate.js';
import type { EvalReport } from '../src/eval/job.js';
import { forward, residentMlp } from '../src/model/mlp.js';
import { predictBatch } from '../src/model/predict.js';
import { loadWeights } from '../src/model/weights/load.js';
import type { LoadedModel } from '../src/model/weights/types.js';
import { DEFAULT_ALLOWED_FORMATS, plainTensor, type DecodeLimits } from '../src/preprocess/decode.js';
import { preprocessImage, preprocessSmallImage } from '../src/preprocess/index.js';
import { sniffImageFormat } from '../src/preprocess/sniff.js';
import { INPUT_SIZE, pixelsToTensor } from '../src/preprocess/tensor.js';
import { digitPng } from '../test/support/mnist.js';
import { sharedPath } from '../test/support/shared-data.js';
import { renderDigit } from './corpus/corpus.js';
import { FAMILIES } from './corpus/families.js';
import { photoJpeg } from './lib/pictures.js';

const { values: opts } = parseArgs({ options: { seconds: { type: 'string', default: '1' } } });
const REPETITIONS = 5;
const REPETITION_MS = (Number(opts.seconds) * 1000) / REPETITIONS;
const BATCHES = [1, 100, 10_000];
const WEIGHT_FILES = [sharedPath('dlfs/sample_weight.pkl'), 'weights/digit-serve-mlp.safetensors'];
const MNIST_DIR = sharedPath('mnist');
// the server's defaults (MAX_INPUT_PIXELS), so the pipelines take the paths they take in production
const LIMITS: DecodeLimits = { maxInputPixels: 40_000_000, allowedFormats: DEFAULT_ALLOWED_FORMATS };
const AUTO = { mode: 'auto', limits: LIMITS } as const;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const int = (x: number) => Math.round(x).toLocaleString('en-US');
const ms = (x: number) => (x >= 100 ? int(x) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3));
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/**
 * Median milliseconds per call. A synchronous `fn` is called in a plain loop: awaiting it would
 * add a microtask per call, which is not small next to a batch-1 forward pass.
 */
async function msPerCall(fn: () => unknown): Promise<number> {
  const first = fn();
  const isAsync = first instanceof Promise;
  if (isAsync) await first;
  const run = async (n: number) => {
    const t0 = performance.now();
    if (isAsync) for (let i = 0; i < n; i++) await fn();
    else for (let i = 0; i < n; i++) fn();
    return (performance.now() - t0) / n;
  };
  // the warm-up (JIT, libvips' caches) also says how many calls fill a repetition
  let calls = 1;
  const t0 = performance.now();
  while (performance.now() - t0 < REPETITION_MS) {
    await run(calls);
    calls *= 2;
  }
  const n = Math.max(1, Math.round(REPETITION_MS / ((performance.now() - t0) / (calls - 1))));
  const times: number[] = [];
  for (let r = 0; r < REPETITIONS; r++) times.push(await run(n));
  return median(times);
}

/**
 * GET /eval the first time, measured first so that it meets the least-warmed code (a fresh
 * server runs it once, right after start-up); the dataset is decoded again for each model,
 * as each server does.
 */
async function evalCold(models: LoadedModel[]): Promise<void> {
  console.log('## GET /eval, cold\n');
  console.log('| weights | loadMnistTestSet ms | evaluate ms | total ms | accuracy |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const { mlp, info } of models) {
    const t0 = performance.now();
    const set = await loadMnistTestSet(MNIST_DIR);
    const t1 = performance.now();
    const scores = evaluate(mlp, set);
    const t2 = performance.now();
    console.log(`| ${info.name} | ${ms(t1 - t0)} | ${ms(t2 - t1)} | ${ms(t2 - t0)} | ${scores.accuracy} |`);
  }

  // onReady starts the evaluation in the background and does not wait for it: a client asking
  // right after start-up waits for the rest of that computation, then for the answer's serialisation
  const t0 = performance.now();
  const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent', WEIGHTS: WEIGHT_FILES[0], MNIST_DIR }));
  const t1 = performance.now();
  await app.ready();
  const t2 = performance.now();
  const first = await app.inject({ method: 'GET', url: '/eval' });
  const t3 = performance.now();
  const cached = await app.inject({ method: 'GET', url: '/eval' });
  const t4 = performance.now();
  await app.close();
  const report = first.json<EvalReport>();
  console.log(`\nThrough the app (book's weights, app.inject, no network), status ${first.statusCode} then ${cached.statusCode}:\n`);
  console.log('| step | ms |');
  console.log('| --- | --- |');
  console.log(`| buildApp (weights read, routes registered) | ${ms(t1 - t0)} |`);
  console.log(`| app.ready() (plugins, one warm-up forward pass; starts the evaluation) | ${ms(t2 - t1)} |`);
  console.log(`| first GET /eval, from ready to answer | ${ms(t3 - t2)} |`);
  console.log(`| the background evaluation's own durationMs (dataset load + evaluate) | ${ms(report.durationMs)} |`);
  console.log(`| second GET /eval (cached) | ${ms(t4 - t3)} |`);
  console.log();
}

async function forwardPass(models: LoadedModel[], set: MnistSplit): Promise<void> {
  console.log('## Forward pass alone, as the service runs it (parameters resident in the kernels memory; real test digits)\n');
  console.log('| weights | batch | forward images/s | forward us/image | predictBatch images/s | predictBatch us/image |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const { mlp: loaded, info } of models) {
    const served = residentMlp(loaded);
    const { mlp } = served;
    for (const n of BATCHES) {
      const x = pixelsToTensor(set.images.subarray(0, n * INPUT_SIZE));
      const f = (await msPerCall(() => forward(mlp, x, n))) / n;
      const p = (await msPerCall(() => predictBatch(mlp, x, n))) / n;
      console.log(
        `| ${info.name} | ${int(n)} | ${int(1000 / f)} | ${(f * 1000).toFixed(1)} | ${int(1000 / p)} | ${(p * 1000).toFixed(1)} |`,
      );
    }
    served.release();
  }
  console.log();
}

async function decoding(set: MnistSplit): Promise<void> {
  const pictures: [string, Buffer][] = [
    [
      'PNG grey (b-w)',
      await sharp(Buffer.from(set.images.subarray(0, INPUT_SIZE)), { raw: { width: 28, height: 28, channels: 1 } })
        .toColourspace('b-w')
        .png()
        .toBuffer(),
    ],
    ["PNG, sharp's default (RGB)", await digitPng(set, 0)],
    ['JPEG photo, bench:compare (280x280)', await photoJpeg(set.images.subarray(0, INPUT_SIZE))],
  ];
  // one picture of every corpus family (seed 1): the formats and sizes real uploads come in
  for (const family of FAMILIES.filter((f) => !f.blankOnly)) pictures.push([`corpus ${family.name}`, await renderDigit(family, set, 0, 1)]);
  console.log('## Decoding, one picture at a time (test digit 0), ms per picture\n');
  console.log('| picture | size | bytes | plainTensor | preprocessImage (auto) | preprocessSmallImage (auto) | auto took |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const [name, bytes] of pictures) {
    const { width, height } = (await sharp(bytes).metadata()).autoOrient;
    const plain = await msPerCall(() => plainTensor(bytes, LIMITS));
    const auto = await msPerCall(() => preprocessImage(bytes, AUTO));
    const small = preprocessSmallImage(bytes, AUTO);
    const onThread = small ? ms(await msPerCall(() => preprocessSmallImage(bytes, AUTO))) : '-';
    const mode = (await preprocessImage(bytes, AUTO)).mode;
    const path = small ? `${sniffImageFormat(bytes)!.toUpperCase()} on the calling thread` : 'sharp';
    console.log(`| ${name} | ${width}x${height} | ${int(bytes.length)} | ${ms(plain)} | ${ms(auto)} | ${onThread} | ${mode}, ${path} |`);
  }
  console.log();
}

console.log(`# Micro-benchmarks, ${new Date().toISOString()}, Node ${process.version}, load average ${load()}`);
console.log(`${opts.seconds} s per figure: median of ${REPETITIONS} repetitions after a warm-up\n`);
const models = await Promise.all(WEIGHT_FILES.map(loadWeights));
await evalCold(models);
const set = await loadMnistSplit(MNIST_DIR, 't10k');
await forwardPass(models, set);
await decoding(set);
console.log(`load average at the end: ${load()}`);
