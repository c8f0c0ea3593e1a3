/** The rate limit's counts: one fixed window per client, forgotten once it ends. */
import { describe, expect, it } from 'vitest';
import { RateWindows } from '../../src/cluster/rate-windows.js';
import { describeWindow } from '../../src/http/rate-limit.js';

function clock(start = 1_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('RateWindows', () => {
  it('counts a client within its window and starts afresh when the window ends', () => {
    const time = clock();
    const windows = new RateWindows(100, time.now);
    expect(windows.hit('a', 20_000)).toEqual({ current: 1, ttl: 20_000 });
    time.advance(8_000);
    expect(windows.hit('a', 20_000)).toEqual({ current: 2, ttl: 12_000 });
    expect(windows.hit('b', 20_000)).toEqual({ current: 1, ttl: 20_000 });
    time.advance(12_000);
    expect(windows.hit('a', 20_000)).toEqual({ current: 1, ttl: 20_000 });
    expect(windows.hit('b', 20_000)).toEqual({ current: 2, ttl: 8_000 });
  });

  it('holds only the clients of current windows', () => {
    const time = clock();
    const windows = new RateWindows(100, time.now);
    for (let i = 0; i < 50; i++) windows.hit(`client-${i}`, 1_000);
    expect(windows.size).toBe(50);
    time.advance(1_000);
    windows.hit('late', 1_000);
    expect(windows.size).toBe(1);
  });

  it('forgets the oldest window first when it holds as many clients as it may', () => {
    const time = clock();
    const windows = new RateWindows(3, time.now);
    for (const key of ['a', 'b', 'c']) {
      windows.hit(key, 60_000);
      time.advance(1);
    }
    windows.hit('b', 60_000);
    windows.hit('d', 60_000);
    expect(windows.size).toBe(3);
    expect(windows.hit('b', 60_000).current).toBe(3);
    expect(windows.hit('a', 60_000).current).toBe(1);
  });
});

describe('describeWindow', () => {
  it('says the window as an operator would', () => {
    expect([60_000, 20_000, 1_000, 3_600_000, 7_200_000, 86_400_000, 90_000, 1_500].map(describeWindow)).toEqual([
      '1 minute',
      '20 seconds',
      '1 second',
      '1 hour',
      '2 hours',
      '1 day',
      '90 seconds',
      '1500 ms',
    ]);
  });
});
