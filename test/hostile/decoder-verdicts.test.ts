/**
 * One file, one verdict, whatever the pipeline: the on-thread decoders (png.ts, jpeg.ts) read
 * only files sharp reads too, and read them as sharp does. The adversarial probe's finding 4
 * was six kinds of damaged file they read and sharp refuses, so that preprocess=mnist answered
 * 200 where preprocess=plain answered 400.
 *
 * Its approach, kept: a seeded mutation fuzzer. Real files (digits the shipped weights held
 * out, rendered as uploads come: MNIST PNGs, scans, transparent drawings, phone photos, and
 * libjpeg's layouts) are damaged (support/mutations.ts). Every damaged file a fast decoder
 * reads must be accepted by every pipeline, the same pipeline through sharp among them, and
 * read as sharp reads it (outcome); one it leaves goes to sharp in every pipeline.
 *
 * Case i is generated from its own PRNG seeded with (SEED, i), so a failing case can be
 * replayed alone: DECODER_FUZZ_ONLY=i (comma-separated) runs just those,
 * DECODER_FUZZ_CASES=n changes the count, DECODER_FUZZ_DUMP=dir writes each failing file
 * there. Then the named families of finding 4, and their kin found since, through the HTTP app.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { familyNamed } from '../../bench/corpus/families.js';
import { CorpusRng } from '../../bench/corpus/rng.js';
import { buildApp } from '../../src/app.js';
import { DEFAULT_WEIGHTS } from '../../src/config.js';
import { holdoutFiles } from '../../src/data/holdout-files.js';
import { readIdxFile } from '../../src/data/idx.js';
import { HttpProblem } from '../../src/http/problem.js';
import { predictBatch } from '../../src/model/predict.js';
import { loadWeights } from '../../src/model/weights/load.js';
import type { LoadedModel } from '../../src/model/weights/types.js';
import { splitChannels } from '../../src/preprocess/channels.js';
import { DEFAULT_ALLOWED_FORMATS } from '../../src/preprocess/decode.js';
import { SMALL_JPEG_MAX_PIXELS, WORKING_SIDE } from '../../src/preprocess/small-decode.js';
import { decodeJpegGrey } from '../../src/preprocess/jpeg.js';
import type { RawImage } from '../../src/preprocess/png.js';
import {
  preprocessImage,
  preprocessSmallImage,
  preprocessWithSharp,
  sizeImages,
  type PreprocessMode,
  type Preprocessed,
} from '../../src/preprocess/index.js';
import { toyDigitModel } from '../support/models.js';
import { testConfig } from '../support/server.js';
import { fixture, prng } from './support/fixtures.js';
import { pngBytes, pngParts, splitIdat } from './support/image-parts.js';
import { mutate, pick } from './support/mutations.js';
import { REFUSED_FLAT_JPEGS, REFUSED_JPEGS, REFUSED_PNGS } from './support/refused-files.js';

const SEED = 0x4f1d_2026;
const CASES = Number(process.env.DECODER_FUZZ_CASES ?? 5_000);
const ONLY = process.env.DECODER_FUZZ_ONLY?.split(',').map(Number);
const DUMP = process.env.DECODER_FUZZ_DUMP;
/** cases in flight: sharp decodes in its thread pool while this thread reads the next file */
const CONCURRENCY = 8;
// mutated headers may declare large pictures: a low pixel limit keeps sharp's decodes cheap
const limits = { maxInputPixels: 1_000_000, allowedFormats: DEFAULT_ALLOWED_FORMATS };

interface Base {
  readonly name: string;
  readonly format: 'png' | 'jpeg';
  readonly bytes: Buffer;
  /** what the service answers for the sound file through sharp */
  answer?: string;
  /** a JPEG's pixels as libvips decodes them */
  picture?: RawImage;
}

const jpegFixture = (name: string) => readFileSync(new URL(`../fixtures/jpeg/${name}`, import.meta.url));

/**
 * Held-out digits rendered the ways uploads come, each read by the fast decoders when sound.
 * The photos stay within WORKING_SIDE: beyond it the two pipelines analyse a JPEG at different
 * sizes by design (decode.ts), where a picture the damage half ruined can tip either way.
 */
async function makeBases(): Promise<Base[]> {
  const images = (await readIdxFile(holdoutFiles(DEFAULT_WEIGHTS).images)).data;
  const bases: Base[] = [];
  const add = (name: string, format: Base['format'], bytes: Buffer) => bases.push({ name, format, bytes });
  const [photo, scan, transparent] = [familyNamed('photo'), familyNamed('scan'), familyNamed('transparent')];
  // two digits of each class (the held-out digits are 100 per class, in class order)
  for (let i = 0; i < 1_000; i += 50) {
    const digit = images.subarray(i * 784, (i + 1) * 784);
    const grey = sharp(digit, { raw: { width: 28, height: 28, channels: 1 } });
    const rng = (family: string) => CorpusRng.forKey(SEED, family, i);
    add(`mnist-${i}`, 'png', await grey.clone().png().toBuffer());
    add(`mnist-rgb-${i}`, 'png', await grey.clone().toColourspace('srgb').png().toBuffer());
    add(`scan-${i}`, 'png', await scan.render(digit, rng('scan')));
    add(`transparent-${i}`, 'png', await transparent.render(digit, rng('transparent')));
    const jpeg = await photo.render(digit, rng('photo'));
    const { width, height } = await sharp(jpeg).metadata();
    if (Math.max(width!, height!) <= WORKING_SIDE) add(`photo-${i}`, 'jpeg', jpeg);
    add(`grey-jpeg-${i}`, 'jpeg', await grey.clone().resize(112, 112).jpeg({ quality: 80 }).toBuffer());
  }
  // the image data in several IDATs, so that damage can come between them
  for (const base of bases.filter((b) => b.format === 'png'))
    add(`${base.name}-3-idats`, 'png', pngBytes(splitIdat(pngParts(base.bytes), 3)));
  for (const name of ['restart-every-row.jpg', 'sample-2x1-restart.jpg', 'sample-1x2.jpg', 'grey-restart.jpg'])
    add(name, 'jpeg', jpegFixture(name));
  return bases.filter((b) => preprocessSmallImage(b.bytes, { mode: 'mnist', limits }));
}

interface Case {
  readonly i: number;
  readonly base: Base;
  readonly bytes: Buffer;
  readonly how: string;
}

/** Case i: a PNG when i is even, a JPEG when odd, from a base and damage drawn from its own PRNG. */
function generate(i: number, bases: readonly Base[]): Case {
  const r = prng((SEED ^ Math.imul(i + 1, 0x9e3779b9)) >>> 0);
  const base = pick(
    r,
    bases.filter((b) => b.format === (i % 2 === 0 ? 'png' : 'jpeg')),
  );
  const { bytes, how } = mutate(r, base.bytes, base.format);
  return { i, base, bytes, how };
}

/** A pipeline's result, or the problem it answered. */
type Verdict = { readonly result: Preprocessed } | { readonly problem: string };

async function verdictOf(run: Promise<Preprocessed>): Promise<Verdict> {
  try {
    return { result: await run };
  } catch (err) {
    if (err instanceof HttpProblem) return { problem: err.code };
    throw err;
  }
}

const options = (mode: PreprocessMode) => ({ mode, limits });

let model: LoadedModel;
/** What the service would answer: the class, or that there is no digit. */
const answer = (p: Preprocessed) => (p.noDigit ? 'no digit' : String(predictBatch(model.mlp, p.tensor, 1)[0]!.prediction));

/** libvips' pixels of a JPEG at full size, in 8-bit sRGB, as the pipelines open the file. */
async function libvipsPicture(jpeg: Buffer): Promise<RawImage> {
  const { data, info } = await sharp(jpeg, { failOn: 'error', autoOrient: true })
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: info.channels as RawImage['channels'], data };
}

/**
 * Where the fast decoder's luma at full size is not libvips' grey within rounding, outside the
 * 8x8 blocks in which either clips a level. Inside them libjpeg's arithmetic may have wrapped
 * (16-bit products, a 10-bit mask on the range: for coefficients no encoder writes, its
 * "bogus-but-in-range output") where the fast decoder clamps; outside them the grey of
 * libvips' unclipped RGB is the luma itself, whatever the chroma.
 */
function lumaMismatch(jpeg: Buffer, picture: RawImage): string | undefined {
  const luma = decodeJpegGrey(jpeg, SMALL_JPEG_MAX_PIXELS, () => 1)!;
  const { width, height, channels, data } = picture;
  if (luma.width !== width || luma.height !== height) return `luma ${luma.width}x${luma.height}, libvips ${width}x${height}`;
  const grey = splitChannels(data, width, height, channels, 1).grey;
  const blocksX = Math.ceil(width / 8);
  const block = (p: number) => Math.floor(p / width / 8) * blocksX + Math.floor((p % width) / 8);
  const clips = new Uint8Array(blocksX * Math.ceil(height / 8));
  for (let p = 0; p < width * height; p++) {
    const levels = [luma.data[p]!, ...data.subarray(p * channels, (p + 1) * channels)];
    if (levels.some((v) => v === 0 || v === 255)) clips[block(p)] = 1;
  }
  for (let p = 0; p < width * height; p++) {
    if (!clips[block(p)] && Math.abs(luma.data[p]! - grey[p]!) > 1) {
      return `luma ${luma.data[p]} where libvips has ${grey[p]} at (${p % width}, ${Math.floor(p / width)})`;
    }
  }
  return undefined;
}

/** How a damaged file fared: left to sharp, read on this thread (and how it compared), or why that reading is wrong. */
type Outcome = string | { readonly disagreement: string };

/**
 * A file a fast decoder reads must be one every pipeline accepts, and read as sharp reads it.
 * A PNG: to the same result exactly. A JPEG, whose levels differ from libvips' by design
 * (jpeg.ts): to libvips' luma at full size (lumaMismatch), and, where the damage left libvips'
 * picture as it was, to the same answer. Where it changed the picture (the scan's data, a
 * table) the answers are not compared: they part over the luma of clipped blocks and over the
 * chroma, which the fast decoder never applies. A file the fast decoders leave gets sharp's
 * verdict in every pipeline.
 */
async function outcome(c: Case): Promise<Outcome> {
  // as the service does: every file's header is checked before either decoder sees it, and a
  // file refused there is refused alike in every pipeline
  const [size] = await sizeImages([c.bytes], options('mnist').limits);
  if (size instanceof HttpProblem) return 'refused from the header';
  const fast = preprocessSmallImage(c.bytes, options('mnist'));
  const fastPlain = preprocessSmallImage(c.bytes, options('plain'));
  if (!fast && !fastPlain) return 'left to sharp';
  const [viaSharp, plain, plainViaSharp] = await Promise.all([
    verdictOf(preprocessWithSharp(c.bytes, options('mnist'))),
    verdictOf(preprocessImage(c.bytes, options('plain'))),
    verdictOf(preprocessWithSharp(c.bytes, options('plain'))),
  ]);
  const refused = [viaSharp, plain, plainViaSharp].find((v) => 'problem' in v);
  if (refused && 'problem' in refused) return { disagreement: `read on this thread, refused through sharp (${refused.problem})` };
  const [sharpMnist, sharpPlain] = [viaSharp, plainViaSharp].map((v) => ('result' in v ? v.result : undefined));
  if (c.base.format === 'png') {
    if (fast && !isDeepStrictEqual(fast, sharpMnist))
      return { disagreement: 'preprocess=mnist read on this thread otherwise than through sharp' };
    if (fastPlain && !isDeepStrictEqual(fastPlain, sharpPlain))
      return { disagreement: 'preprocess=plain read on this thread otherwise than through sharp' };
    return 'read, same result';
  }
  const picture = await libvipsPicture(c.bytes);
  const mismatch = lumaMismatch(c.bytes, picture);
  if (mismatch) return { disagreement: mismatch };
  if (!isDeepStrictEqual(picture, c.base.picture)) return 'read, picture changed, same luma';
  const [mine, theirs] = [answer(fast!), answer(sharpMnist!)];
  return mine === theirs ? 'read, same picture, same answer' : { disagreement: `answered ${mine} on this thread, ${theirs} through sharp` };
}

let bases: Base[];

beforeAll(async () => {
  [bases, model] = await Promise.all([makeBases(), loadWeights(DEFAULT_WEIGHTS)]);
  for (const base of bases) {
    base.answer = answer(await preprocessWithSharp(base.bytes, options('mnist')));
    if (base.format === 'jpeg') base.picture = await libvipsPicture(base.bytes);
  }
});

describe('the mutation fuzzer: fast decoders against sharp', () => {
  it('starts from sound files of both formats that the fast decoders read, answered as through sharp', async () => {
    expect(bases.filter((b) => b.format === 'png').length).toBeGreaterThanOrEqual(40);
    expect(bases.filter((b) => b.format === 'jpeg').length).toBeGreaterThanOrEqual(20);
    for (const base of bases) {
      const fast = preprocessSmallImage(base.bytes, options('mnist'));
      expect(fast, base.name).toBeDefined();
      expect(answer(fast!), base.name).toBe(base.answer);
    }
  });

  it(`reads none of ${CASES} seeded damaged files that sharp refuses, and the others as sharp does`, async () => {
    const started = performance.now();
    const indices = ONLY ?? Array.from({ length: CASES }, (_, i) => i);
    const failures: string[] = [];
    const tally = new Map<string, number>();
    let next = 0;
    const worker = async () => {
      while (next < indices.length) {
        const c = generate(indices[next++]!, bases);
        let result: Outcome;
        try {
          result = await outcome(c);
        } catch (err) {
          result = { disagreement: `threw ${String(err)}` };
        }
        const key = `${c.base.format} ${typeof result === 'string' ? result : 'disagreeing'}`;
        tally.set(key, (tally.get(key) ?? 0) + 1);
        if (typeof result === 'string') continue;
        failures.push(`#${c.i} ${c.base.name} ${c.how}: ${result.disagreement}`);
        if (DUMP) writeFileSync(join(DUMP, `${c.i}.${c.base.format}`), c.bytes);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `decoder verdicts: ${indices.length} damaged files in ${seconds.toFixed(1)} s (seed ${SEED.toString(16)}, ${bases.length} sound files): ` +
        JSON.stringify(Object.fromEntries([...tally].sort())),
    );
    expect(
      failures.slice(0, 20),
      `${failures.length} files read on this thread otherwise than through sharp (replay: DECODER_FUZZ_ONLY=<#>)`,
    ).toEqual([]);
    // damage that leaves files readable is what puts the fast decoders to the test
    if (!ONLY) {
      for (const format of ['png', 'jpeg']) {
        const read = [...tally].filter(([key]) => key.startsWith(`${format} read`)).reduce((sum, [, n]) => sum + n, 0);
        expect(read, format).toBeGreaterThan(indices.length / 20);
      }
    }
  });
});

describe('finding 4: the damaged-file families get 400 invalid_image whatever the pipeline', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await buildApp(testConfig(), { model: toyDigitModel() });
  });
  afterAll(() => app?.close());

  /** The status and problem code of /predict for these bytes, per pipeline. */
  async function statuses(bytes: Buffer, type: string): Promise<Record<PreprocessMode, string>> {
    const out: Partial<Record<PreprocessMode, string>> = {};
    for (const mode of ['mnist', 'auto', 'plain'] as const) {
      const res = await app.inject({
        method: 'POST',
        url: `/predict?preprocess=${mode}`,
        headers: { 'content-type': type },
        payload: bytes,
      });
      out[mode] = `${res.statusCode} ${res.statusCode === 200 ? '' : (res.json() as { code: string }).code}`.trim();
    }
    return out as Record<PreprocessMode, string>;
  }

  const refused = { mnist: '400 invalid_image', auto: '400 invalid_image', plain: '400 invalid_image' };
  const soundJpeg = () => jpegFixture('sample-1x2.jpg');
  const soundPng = () => fixture('digit-7.png');

  it('reads the sound files the families are made from in every pipeline', async () => {
    expect(Object.values(await statuses(soundJpeg(), 'image/jpeg'))).toEqual(['200', '200', '200']);
    expect(Object.values(await statuses(soundPng(), 'image/png'))).toEqual(['200', '200', '200']);
  });

  it.each(REFUSED_JPEGS.map((f) => [`${f.probe ? 'finding 4' : 'found since'}: a JPEG with ${f.name}`, f.make] as const))(
    '%s',
    async (_, make) => {
      expect(await statuses(make(soundJpeg()), 'image/jpeg')).toEqual(refused);
    },
  );

  it.each(REFUSED_FLAT_JPEGS.map((f) => [`found since: a JPEG with ${f.name}`, f.damaged] as const))('%s', async (_, damaged) => {
    expect(await statuses(damaged, 'image/jpeg')).toEqual(refused);
  });

  it.each(REFUSED_PNGS.map((f) => [`${f.probe ? 'finding 4' : 'found since'}: a PNG with ${f.name}`, f.make] as const))(
    '%s',
    async (_, make) => {
      expect(await statuses(make(soundPng()), 'image/png')).toEqual(refused);
    },
  );

  // libjpeg reports the missing end only when it decodes to the last row: libvips refused such
  // a photo at full size and read it when it shrank it on load (plain's 28x28 of a 396x323 photo)
  it.each([
    [100, 80],
    [396, 323],
    [1600, 1200],
  ])('found since: a %dx%d photo without its end marker, in every pipeline', async (width, height) => {
    const photo = await sharp(soundJpeg()).resize(width, height, { fit: 'fill' }).jpeg({ quality: 85 }).toBuffer();
    expect(Object.values(await statuses(photo, 'image/jpeg'))).toEqual(['200', '200', '200']);
    expect(await statuses(photo.subarray(0, photo.lastIndexOf(Buffer.from([0xff, 0xd9]))), 'image/jpeg')).toEqual(refused);
  });
});
