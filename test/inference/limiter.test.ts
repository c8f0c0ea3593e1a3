import { describe, expect, it } from 'vitest';
import { Limiter, QueueFullError, type Task } from '../../src/inference/limiter.js';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

const unweighed = <T>(run: () => Promise<T>): Task<T> => ({ run, weight: 0 });

/** Tasks of these weights that record when they start and finish when told to. */
function gatedTasks(weights: readonly number[]) {
  const gates = weights.map(deferred);
  const started: number[] = [];
  const tasks = weights.map((weight, i): Task<number> => ({
    weight,
    run: async () => {
      started.push(i);
      await gates[i]!.promise;
      return i;
    },
  }));
  /** let task i finish, and the tasks it makes room for start */
  const finish = async (i: number) => {
    gates[i]!.resolve();
    // the task's own continuation, the limiter's, then the starts it makes
    for (let k = 0; k < 5; k++) await Promise.resolve();
  };
  return { tasks, started, finish };
}

describe('Limiter', () => {
  it('runs at most `concurrency` tasks at once, the rest in arrival order', async () => {
    const limiter = new Limiter(2, 10);
    const gates = Array.from({ length: 5 }, deferred);
    const started: number[] = [];
    let running = 0;
    let peak = 0;
    const all = gates.map((g, i) =>
      limiter.run(async () => {
        started.push(i);
        peak = Math.max(peak, ++running);
        await g.promise;
        running--;
        return i;
      }),
    );
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    gates.forEach((g) => g.resolve());
    expect(await Promise.all(all)).toEqual([0, 1, 2, 3, 4]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
  });

  it('refuses at once when the queue is full, and accepts again once it drains', async () => {
    const limiter = new Limiter(1, 1);
    const gate = deferred();
    const first = limiter.run(() => gate.promise);
    const second = limiter.run(async () => 'queued');
    await expect(limiter.run(async () => 'refused')).rejects.toBeInstanceOf(QueueFullError);
    gate.resolve();
    await first;
    expect(await second).toBe('queued');
    expect(await limiter.run(async () => 'again')).toBe('again');
  });

  it('frees the slot when a task fails', async () => {
    const limiter = new Limiter(1, 0);
    await expect(limiter.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await limiter.run(async () => 'next')).toBe('next');
  });

  it('frees the slot and the weight when a task throws before returning its promise', async () => {
    const limiter = new Limiter(1, 0, 10);
    const throwing = () => {
      throw new Error('sync boom');
    };
    await expect(limiter.runAll([{ run: throwing, weight: 10 }])[0]).rejects.toThrow('sync boom');
    expect(await limiter.runAll([{ run: async () => 'next', weight: 10 }])[0]).toBe('next');
  });
});

describe('Limiter.runAll', () => {
  it('admits a whole group when nothing waits, even one larger than the queue', async () => {
    const limiter = new Limiter(1, 2);
    const results = await Promise.all(limiter.runAll([1, 2, 3, 4, 5].map((v) => unweighed(async () => v))));
    expect(results).toEqual([1, 2, 3, 4, 5]);
  });

  it('refuses a whole group, starting none of it, when it would overflow a non-empty queue', async () => {
    const limiter = new Limiter(1, 2);
    const gate = deferred();
    const busy = limiter.runAll([unweighed(() => gate.promise), unweighed(() => gate.promise)]);
    let started = 0;
    expect(() => limiter.runAll([1, 2].map(() => unweighed(async () => void started++)))).toThrow(QueueFullError);
    expect(started).toBe(0);
    gate.resolve();
    await Promise.all(busy);
  });
});

describe('Limiter: weights (the pixels a decode holds)', () => {
  it('keeps the weight running within the limit, starting waiting tasks as room frees', async () => {
    const limiter = new Limiter(4, 10, 10);
    const { tasks, started, finish } = gatedTasks([6, 6, 4]);
    const results = limiter.runAll(tasks);
    // 6 + 6 > 10: the second waits, with a slot free; the third fits beside the first but waits its turn
    expect(started).toEqual([0]);
    await finish(0);
    expect(started).toEqual([0, 1, 2]);
    await finish(1);
    await finish(2);
    expect(await Promise.all(results)).toEqual([0, 1, 2]);
  });

  it('never lets a lighter weighed task overtake a heavier one waiting for room', async () => {
    const limiter = new Limiter(4, 10, 10);
    const { tasks, started, finish } = gatedTasks([8, 8, 1, 1]);
    const results = limiter.runAll(tasks);
    expect(started).toEqual([0]);
    // a steady stream of light weighed tasks could otherwise keep the second out for ever
    await finish(0);
    expect(started).toEqual([0, 1, 2, 3]);
    for (const i of [1, 2, 3]) await finish(i);
    await Promise.all(results);
  });

  it('lets weightless tasks past a weighed one waiting for room, within the slots', async () => {
    const limiter = new Limiter(3, 10, 10);
    const { tasks, started, finish } = gatedTasks([8, 8, 0, 0, 0]);
    const results = limiter.runAll(tasks);
    // the second waits for room; the two slots left go to the next weightless tasks, the last waits for a slot
    expect(started).toEqual([0, 2, 3]);
    await finish(2);
    expect(started).toEqual([0, 2, 3, 4]);
    await finish(0);
    // the weighed one, first in line, takes the slot its predecessor gives back
    expect(started).toEqual([0, 2, 3, 4, 1]);
    for (const i of [1, 3, 4]) await finish(i);
    expect(await Promise.all(results)).toEqual([0, 1, 2, 3, 4]);
  });

  it('runs a task heavier than the whole limit when no other weighed task runs, so it is not refused for ever', async () => {
    const limiter = new Limiter(4, 10, 10);
    const { tasks, started, finish } = gatedTasks([2, 50, 0, 1]);
    const results = limiter.runAll(tasks);
    expect(started).toEqual([0, 2]);
    await finish(0);
    // alone among the weighed ones: the next weighed task waits for it
    expect(started).toEqual([0, 2, 1]);
    await finish(1);
    expect(started).toEqual([0, 2, 1, 3]);
    for (const i of [2, 3]) await finish(i);
    await Promise.all(results);
  });

  it('starts a heavy task alone on an idle limiter at once', async () => {
    const limiter = new Limiter(1, 0, 10);
    expect(await limiter.runAll([{ run: async () => 'heavy', weight: 1_000 }])[0]).toBe('heavy');
  });
});
