/** The held-out digits written beside a weights file, where src/data/holdout-files.ts says /eval finds them. */
import { writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { holdoutFiles } from '../../src/data/holdout-files.js';

/** IDX bytes of unsigned bytes with the given dimensions (the format src/data/idx.ts reads). */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, data]);
}

/**
 * Write the held-out digits (pixel / 255 in 0..1) beside `weightsFile`. The npm digits are
 * pixel / 255 rounded to 3 decimals; rounding v * 255 recovers each original byte exactly
 * (the error is at most 0.0005 * 255 < 0.5).
 */
export async function writeHoldoutFiles(
  weightsFile: string,
  images: Float32Array,
  labels: Uint8Array,
): Promise<{ images: string; labels: string }> {
  const files = holdoutFiles(weightsFile);
  const bytes = Uint8Array.from(images, (v) => Math.round(v * 255));
  await writeFile(files.images, gzipSync(encodeIdx([labels.length, 28, 28], bytes), { level: 9 }));
  await writeFile(files.labels, gzipSync(encodeIdx([labels.length], labels), { level: 9 }));
  return files;
}
