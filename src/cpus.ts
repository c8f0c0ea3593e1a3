/**
 * How many CPUs this process may really use: the scheduler's affinity (os.availableParallelism)
 * capped by a cgroup v2 CPU quota (a container's `cpus:` limit), which libuv 1.46 does not read.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** `cpu.max` holds "<quota> <period>" in microseconds, or "max <period>" when unlimited. */
export function cpusFromCgroupMax(text: string): number | undefined {
  const [quota, period] = text.trim().split(/\s+/);
  if (quota === undefined || quota === 'max' || period === undefined) return undefined;
  const q = Number(quota);
  const p = Number(period);
  if (!(q > 0 && p > 0)) return undefined;
  return Math.max(1, Math.ceil(q / p));
}

export function availableCpus(cgroupCpuMax = '/sys/fs/cgroup/cpu.max'): number {
  let quota: number | undefined;
  try {
    quota = cpusFromCgroupMax(readFileSync(cgroupCpuMax, 'utf8'));
  } catch {
    // no cgroup v2 file: not in a container, or cgroup v1; affinity alone decides
  }
  return Math.min(availableParallelism(), quota ?? Infinity);
}
