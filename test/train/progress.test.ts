import { describe, expect, it } from 'vitest';
import { formatDuration, formatEpoch, Progress } from '../../tools/train/progress.js';
import type { EpochReport } from '../../tools/train/trainer.js';

const report = (epoch: number): EpochReport => ({ epoch, epochs: 10, loss: 0.123456, heldoutAccuracy: 0.9712, elapsedMs: epoch * 6000 });

function sink(isTTY: boolean): { chunks: string[]; isTTY: boolean; write(s: string): void } {
  const chunks: string[] = [];
  return { chunks, isTTY, write: (s) => void chunks.push(s) };
}

describe('Progress', () => {
  it('states epoch, loss, held-out accuracy, elapsed and estimated time left', () => {
    expect(formatEpoch(report(4))).toBe('epoch  4/10  loss 0.1235  held-out 97.12%  24.0s elapsed, 36.0s left');
    expect(formatEpoch({ ...report(1), heldoutAccuracy: null })).toBe('epoch  1/10  loss 0.1235  6.0s elapsed, 54.0s left');
  });

  it('rewrites one line on a terminal and ends it when done', () => {
    const tty = sink(true);
    const p = new Progress(tty);
    p.epoch(report(1));
    p.epoch(report(2));
    p.done();
    expect(tty.chunks).toHaveLength(3);
    expect(tty.chunks[1]!.startsWith(`\r${formatEpoch(report(2))}`)).toBe(true);
    expect(tty.chunks[1]!.endsWith('\x1b[K')).toBe(true);
    expect(tty.chunks[2]).toBe('\n');
  });

  it('writes plain lines elsewhere', () => {
    const file = sink(false);
    const p = new Progress(file);
    p.epoch(report(1));
    p.epoch(report(2));
    p.done();
    expect(file.chunks.join('')).toBe(`${formatEpoch(report(1))}\n${formatEpoch(report(2))}\n`);
  });
});

describe('formatDuration', () => {
  it.each([
    [9_400, '9.4s'],
    [75_300, '1m15s'],
    [3_725_000, '1h02m05s'],
  ])('%d ms -> %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
