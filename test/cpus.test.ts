import { mkdtemp, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { availableCpus, cpusFromCgroupMax } from '../src/cpus.js';

describe('cpusFromCgroupMax', () => {
  it.each([
    ['max 100000', undefined],
    ['200000 100000', 2],
    ['150000 100000', 2],
    ['50000 100000', 1],
    ['garbage', undefined],
  ])('reads %j as %s', (text, cpus) => {
    expect(cpusFromCgroupMax(text)).toBe(cpus);
  });
});

describe('availableCpus', () => {
  it('is capped by a cgroup quota and never exceeds the affinity', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cgroup-'));
    await writeFile(join(dir, 'cpu.max'), '100000 100000\n');
    expect(availableCpus(join(dir, 'cpu.max'))).toBe(1);
    expect(availableCpus(join(dir, 'missing'))).toBe(availableParallelism());
  });
});
