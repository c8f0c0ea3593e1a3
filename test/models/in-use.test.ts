/** A model's users: a version retired while requests hold it is freed only once they are done. */
import { describe, expect, it } from 'vitest';
import { InUse } from '../../src/models/in-use.js';

describe('InUse', () => {
  it('drains at once when nobody uses it, else once the last use ends, whether it succeeded or threw', async () => {
    const inUse = new InUse();
    await inUse.drained();
    let finish!: () => void;
    let fail!: (err: Error) => void;
    const first = inUse.during(() => new Promise<void>((resolve) => (finish = resolve)));
    const second = inUse.during(() => new Promise<void>((_, reject) => (fail = reject)));
    expect(inUse.users).toBe(2);
    let drained = false;
    const waiting = inUse.drained().then(() => (drained = true));
    finish();
    await first;
    await Promise.resolve();
    expect(drained).toBe(false);
    fail(new Error('the request failed'));
    await expect(second).rejects.toThrow('the request failed');
    await waiting;
    expect(drained).toBe(true);
    expect(inUse.users).toBe(0);
  });
});
