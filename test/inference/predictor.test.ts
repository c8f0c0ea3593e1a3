/**
 * The predictor reads small pictures on the calling thread; a large batch of them must still
 * let the event loop turn (other requests, health probes) while it works, and give the same
 * answers as the pictures sent one at a time.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { Limiter, type Task } from '../../src/inference/limiter.js';
import { HttpProblem } from '../../src/http/problem.js';
import { Predictor } from '../../src/inference/predictor.js';
import { ON_THREAD_SLICE_MS } from '../../src/inference/turns.js';
import type { InputItem } from '../../src/http/inputs.js';
import { DEFAULT_ALLOWED_FORMATS } from '../../src/preprocess/decode.js';
import { loadWeights } from '../../src/model/weights/load.js';
import { greyImage, onPaper, seven } from '../preprocess/drawing.js';

const limits = { maxInputPixels: 4_000_000, allowedFormats: DEFAULT_ALLOWED_FORMATS };
const options = { preprocess: 'auto', debug: false } as const;

describe('Predictor: pictures read on this thread', () => {
  it('lets the event loop turn while it reads a batch of 256 photos, and answers as one by one', async () => {
    const model = await loadWeights('weights/digit-serve-mlp.safetensors');
    const predictor = new Predictor(model, limits, new Limiter(2, 100));
    const photo = await greyImage(onPaper(seven(280, 280), 225, 35), 280, 280)
      .jpeg({ quality: 85 })
      .toBuffer();
    const items: InputItem[] = Array.from({ length: 256 }, () => ({ kind: 'image', bytes: photo }));
    let turns = 0;
    let done = false;
    const turn = () => {
      turns++;
      if (!done) setImmediate(turn);
    };
    setImmediate(turn);
    const cpu = process.cpuUsage();
    const answers = await predictor.predictMany(items, options);
    const { user, system } = process.cpuUsage(cpu);
    done = true;
    // read without a pause, 256 photos would finish inside one turn of the loop (0 turns); with
    // one every slice of work, the loop turns about once per slice of the CPU time they took,
    // however fast this machine reads them. CPU time, not the clock's: a process the machine
    // deschedules loses clock time without working (and without turns); the bound is halved
    // for the CPU time the garbage collector's own threads add
    const workMs = (user + system) / 1000;
    expect(turns).toBeGreaterThanOrEqual(Math.max(1, Math.floor(workMs / ON_THREAD_SLICE_MS / 2)));
    const alone = await predictor.predictOne(items[0]!, options);
    expect(answers).toEqual(Array.from({ length: 256 }, () => alone));
    expect(alone.prediction).toBe(7);
  });
});

describe('Predictor: pictures decoded by sharp', () => {
  it('queues only the pictures it leaves to sharp, each weighed by its declared pixels when large, and refuses the rest from their headers', async () => {
    const weights: number[] = [];
    class RecordingLimiter extends Limiter {
      override runAll<T>(tasks: readonly Task<T>[]): Promise<T>[] {
        weights.push(...tasks.map((t) => t.weight));
        return super.runAll(tasks);
      }
    }
    const model = await loadWeights('weights/digit-serve-mlp.safetensors');
    const predictor = new Predictor(model, { ...limits, maxAspectRatio: 16 }, new RecordingLimiter(2, 100, 4_000_000));
    const png = (width: number, height: number) =>
      greyImage(onPaper(seven(width, height), 225, 35), width, height)
        .png()
        .toBuffer();
    const items: InputItem[] = [
      { kind: 'image', bytes: await png(2000, 1000) },
      { kind: 'image', bytes: await png(28, 28) }, // read on this thread
      { kind: 'image', bytes: await png(280, 280) },
      { kind: 'image', bytes: await png(1700, 100) }, // 17:1
      {
        kind: 'image',
        bytes: await sharp({ create: { width: 3000, height: 2000, channels: 3, background: '#fff' } })
          .png()
          .toBuffer(),
      },
    ];
    const answers = await predictor.predictMany(items, options);
    expect(weights).toEqual([2_000_000, 0]);
    expect(answers.map((a) => (a instanceof HttpProblem ? a.code : a.prediction))).toEqual([
      7,
      7,
      7,
      'extreme_aspect_ratio',
      'too_many_pixels',
    ]);
  });
});
