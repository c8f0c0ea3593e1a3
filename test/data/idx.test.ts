import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { IdxError, loadMnistSplit, parseIdx, readIdxFile } from '../../src/data/idx.js';

/** An IDX file of unsigned bytes with the given dimensions and data. */
function idx(dims: number[], data: number[]): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data)]);
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'idx-'));
});

describe('parseIdx', () => {
  it('reads dimensions and data', () => {
    const a = parseIdx(idx([2, 3], [1, 2, 3, 4, 5, 6]));
    expect(a.dims).toEqual([2, 3]);
    expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it.each([
    ['a bad magic number', Buffer.from([1, 0, 8, 1, 0, 0, 0, 0]), /bad magic/],
    ['a non-byte data type', Buffer.from([0, 0, 0x0d, 1, 0, 0, 0, 0]), /data type 0xd/],
    ['a truncated header', Buffer.from([0, 0, 8, 3, 0, 0]), /truncated header/],
    ['truncated data', idx([4], [1, 2, 3]).subarray(0, 10), /truncated: header declares 4 = 4 bytes of data, file holds 2/],
    ['trailing bytes', Buffer.concat([idx([2], [1, 2]), Buffer.from([9])]), /trailing bytes/],
    ['a too-short file', Buffer.from([0, 0]), /too short/],
  ])('refuses %s', (_what, buf, message) => {
    expect(() => parseIdx(buf, 'x.idx')).toThrow(IdxError);
    expect(() => parseIdx(buf, 'x.idx')).toThrow(message);
  });
});

describe('readIdxFile', () => {
  it('reads gzip and raw files alike, whatever their name', async () => {
    const raw = idx([3], [7, 8, 9]);
    await writeFile(join(dir, 'plain'), raw);
    await writeFile(join(dir, 'zipped'), gzipSync(raw));
    expect(Array.from((await readIdxFile(join(dir, 'plain'))).data)).toEqual([7, 8, 9]);
    expect(Array.from((await readIdxFile(join(dir, 'zipped'))).data)).toEqual([7, 8, 9]);
  });

  it('names the file and says it is missing', async () => {
    await expect(readIdxFile(join(dir, 'nope'))).rejects.toThrow(`${join(dir, 'nope')}: file not found`);
  });

  it('reports corrupt gzip data', async () => {
    const gz = gzipSync(idx([3], [1, 2, 3]));
    await writeFile(join(dir, 'broken.gz'), gz.subarray(0, gz.length - 6));
    await expect(readIdxFile(join(dir, 'broken.gz'))).rejects.toThrow(/corrupt gzip data/);
  });
});

describe('loadMnistSplit', () => {
  it('pairs images with labels, preferring raw files and falling back to .gz', async () => {
    const d = await mkdtemp(join(tmpdir(), 'mnist-'));
    await writeFile(join(d, 't10k-images-idx3-ubyte'), idx([2, 2, 2], [0, 1, 2, 3, 4, 5, 6, 7]));
    await writeFile(join(d, 't10k-labels-idx1-ubyte.gz'), gzipSync(idx([2], [3, 9])));
    const s = await loadMnistSplit(d, 't10k');
    expect([s.count, s.rows, s.cols]).toEqual([2, 2, 2]);
    expect(Array.from(s.labels)).toEqual([3, 9]);
    expect(s.files.labels.endsWith('.gz')).toBe(true);
  });

  it('refuses labels that do not match the images', async () => {
    const d = await mkdtemp(join(tmpdir(), 'mnist-'));
    await writeFile(join(d, 'train-images-idx3-ubyte'), idx([2, 1, 1], [0, 1]));
    await writeFile(join(d, 'train-labels-idx1-ubyte'), idx([3], [1, 2, 3]));
    await expect(loadMnistSplit(d, 'train')).rejects.toThrow(/holds 3 labels but .* holds 2 images/);
  });

  it('refuses labels outside 0-9', async () => {
    const d = await mkdtemp(join(tmpdir(), 'mnist-'));
    await writeFile(join(d, 'train-images-idx3-ubyte'), idx([1, 1, 1], [0]));
    await writeFile(join(d, 'train-labels-idx1-ubyte'), idx([1], [12]));
    await expect(loadMnistSplit(d, 'train')).rejects.toThrow(/label #0 is 12/);
  });

  it('says which files it looked for when they are missing', async () => {
    const d = await mkdtemp(join(tmpdir(), 'mnist-'));
    await expect(loadMnistSplit(d, 't10k')).rejects.toThrow(/neither t10k-images-idx3-ubyte nor t10k-images-idx3-ubyte.gz/);
  });
});
