/**
 * What a client is told when its picture cannot be read: a format this server does not read,
 * with what to send instead, and libvips' failures in words of ours.
 */
import { HttpProblem } from '../http/problem.js';
import type { ImageFormat } from './sniff.js';

/**
 * A format this server does not read, with what to send instead. HEIC (an iPhone's default) is
 * HEVC inside HEIF, which the libvips sharp bundles cannot decode (it reads HEIF's AV1 variant,
 * AVIF, only).
 */
export function refusedFormat(format: ImageFormat): string {
  if (format === 'heif') {
    return 'HEIC/HEIF pictures are not read here: send a JPEG or PNG (on an iPhone, Settings > Camera > Formats > Most Compatible, or share the photo as JPEG)';
  }
  return `${format.toUpperCase()} images are not accepted here: send a PNG or JPEG`;
}

/** libvips' messages, in words of ours: what is wrong with the file, never the library's internals. */
const DECODE_FAULTS: readonly (readonly [RegExp, string])[] = [
  [/corrupt header|bad header|invalid header|not a (png|jpeg|gif)/i, 'its header is damaged'],
  [/premature end|truncated|unexpected end|not enough data|end of (file|stream)|eof/i, 'it ends too early: the file is truncated'],
  [/unsupported|not supported|unknown (compression|format)/i, 'it uses a variant of the format this server does not read'],
];

/** Translate libvips' messages into problems a client can act on. */
export function decodeProblem(err: unknown, format: ImageFormat): HttpProblem {
  const message = err instanceof Error ? err.message : String(err);
  if (/pixel limit/i.test(message)) {
    return new HttpProblem('too_many_pixels', 'the image declares more pixels than the limit');
  }
  const fault = DECODE_FAULTS.find(([pattern]) => pattern.test(message))?.[1] ?? 'its data is damaged';
  return new HttpProblem('invalid_image', `the ${format.toUpperCase()} data could not be decoded: ${fault}`, { format });
}
