import { describe, expect, it } from 'vitest';
import { Limiter, QueueFullError } from '../../src/inference/limiter.js';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

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
});

describe('Limiter.runAll', () => {
  it('admits a whole group when nothing waits, even one larger than the queue', async () => {
    const limiter = new Limiter(1, 2);
    const results = await Promise.all(limiter.runAll([1, 2, 3, 4, 5].map((v) => async () => v)));
    expect(results).toEqual([1, 2, 3, 4, 5]);
  });

  it('refuses a whole group, starting none of it, when it would overflow a non-empty queue', async () => {
    const limiter = new Limiter(1, 2);
    const gate = deferred();
    const busy = limiter.runAll([() => gate.promise, () => gate.promise]);
    let started = 0;
    expect(() => limiter.runAll([1, 2].map(() => async () => void started++))).toThrow(QueueFullError);
    expect(started).toBe(0);
    gate.resolve();
    await Promise.all(busy);
  });
});
