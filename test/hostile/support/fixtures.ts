/** The committed hostile fixtures (see test/fixtures/hostile/make-fixtures.ts) and a seeded PRNG. */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../fixtures/hostile');

const cache = new Map<string, Buffer>();
export function fixture(name: string): Buffer {
  let bytes = cache.get(name);
  if (bytes === undefined) {
    bytes = readFileSync(resolve(FIXTURES_DIR, name));
    cache.set(name, bytes);
  }
  return bytes;
}

/** `bytes` followed by zeros up to `size`: a real image whose file is over a byte limit. */
export function padTo(bytes: Buffer, size: number): Buffer {
  return Buffer.concat([bytes, Buffer.alloc(Math.max(0, size - bytes.length))]);
}

/** mulberry32: a tiny seeded generator, so every random request can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
