/**
 * A client of POST /read and POST /predict for the numbers benches and their CI test: each
 * picture alone, as a multipart upload (field `image`), a few requests at a time, each answer
 * turned into what the scoring needs. bench/corpus/served.ts does the same for /predict alone.
 */
import { mapLimit } from '../corpus/corpus.js';
import type { ReadAnswer } from './score.js';

/** A picture as a client holds it: its bytes and its file extension (jpg, png, webp, gif, tif, avif). */
export interface Upload {
  readonly bytes: Buffer;
  readonly ext: string;
}

/** What /predict said about a picture: its digit and how many digits it thinks it holds, or a problem code. */
export type PredictAnswer =
  { readonly prediction: number; readonly digitsFound: number; readonly warning?: string } | { readonly code: string };

const mediaType = (ext: string) => `image/${ext === 'jpg' ? 'jpeg' : ext === 'tif' ? 'tiff' : ext}`;

/** The JSON answer of one multipart upload to `path`: a 200, or a 4xx problem (a 5xx or a 429 is the bench's failure, not an answer). */
export async function postPicture(url: string, path: string, { bytes, ext }: Upload): Promise<unknown> {
  const form = new FormData();
  form.append('image', new Blob([new Uint8Array(bytes)], { type: mediaType(ext) }), `picture.${ext}`);
  const res = await fetch(`${url}${path}`, { method: 'POST', body: form });
  if (res.status !== 200 && (res.status < 400 || res.status >= 500 || res.status === 429)) {
    throw new Error(`POST ${path} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  }
  return res.json();
}

function problemCode(body: unknown, path: string): string {
  const code = (body as { code?: unknown }).code;
  if (typeof code !== 'string') throw new Error(`POST ${path}: unexpected answer ${JSON.stringify(body).slice(0, 200)}`);
  return code;
}

/** A /read body as the score reads it. */
export function readAnswerOf(body: unknown): ReadAnswer {
  const text = (body as { text?: unknown }).text;
  return typeof text === 'string' ? { text } : { code: problemCode(body, '/read') };
}

/** A /predict body: the digit with its count of digits, or the problem code. */
export function predictAnswerOf(body: unknown): PredictAnswer {
  const b = body as { prediction?: unknown; digitsFound?: unknown; warning?: unknown };
  if (typeof b.prediction !== 'number' || typeof b.digitsFound !== 'number') return { code: problemCode(body, '/predict') };
  return typeof b.warning === 'string'
    ? { prediction: b.prediction, digitsFound: b.digitsFound, warning: b.warning }
    : { prediction: b.prediction, digitsFound: b.digitsFound };
}

/** Each picture in its own POST /read, `concurrency` at a time, answers in order. */
export function readEach(url: string, pictures: readonly Upload[], concurrency = 4): Promise<ReadAnswer[]> {
  return mapLimit(pictures, concurrency, async (p) => readAnswerOf(await postPicture(url, '/read', p)));
}

/** Each picture in its own POST /predict, `concurrency` at a time, answers in order. */
export function predictEach(url: string, pictures: readonly Upload[], concurrency = 4): Promise<PredictAnswer[]> {
  return mapLimit(pictures, concurrency, async (p) => predictAnswerOf(await postPicture(url, '/predict', p)));
}

/** /predict answered a digit and warned that the picture seems to hold more than one. */
export function warnedSeveral(answer: PredictAnswer): boolean {
  return 'digitsFound' in answer && answer.digitsFound > 1 && answer.warning !== undefined;
}

/** What /predict's answer must be for /read to agree with it: the digit as text, or the same problem. */
export function sameReading(read: ReadAnswer, predicted: { readonly prediction: number } | { readonly code: string }): boolean {
  if ('prediction' in predicted) return 'text' in read && read.text === String(predicted.prediction);
  return 'code' in read && read.code === predicted.code;
}

/** An answer in a line of a report: the text in quotes, or the problem code. */
export function showAnswer(answer: ReadAnswer | { readonly prediction: number } | { readonly code: string }): string {
  if ('text' in answer) return JSON.stringify(answer.text);
  return 'prediction' in answer ? String(answer.prediction) : answer.code;
}
