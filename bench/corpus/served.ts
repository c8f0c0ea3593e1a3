/**
 * Sending corpus pictures through a running server, as a client does: each picture alone to
 * POST /predict, and the same pictures in multipart batches to POST /predict/batch. Shared by
 * serve-measure.ts and test/http/corpus-e2e.test.ts.
 */
import { mapLimit } from './corpus.js';

const MEDIA_TYPES: Readonly<Record<string, string>> = {
  jpg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  tif: 'image/tiff',
  avif: 'image/avif',
};

/** What the server said about one picture: a class, or the problem code it answered instead. */
export type ServedAnswer = { readonly prediction: number } | { readonly code: string };

function part(bytes: Buffer, ext: string): Blob {
  const type = MEDIA_TYPES[ext];
  if (!type) throw new Error(`no media type for .${ext}`);
  return new Blob([new Uint8Array(bytes)], { type });
}

function answerOf(body: unknown): ServedAnswer {
  const b = body as { prediction?: unknown; code?: unknown; error?: { code?: unknown } };
  if (typeof b.prediction === 'number') return { prediction: b.prediction };
  const code = b.code ?? b.error?.code;
  if (typeof code === 'string') return { code };
  throw new Error(`unexpected answer: ${JSON.stringify(body).slice(0, 200)}`);
}

/** Each picture in its own POST /predict (multipart field `image`), `concurrency` requests at a time. */
export function predictEach(url: string, files: readonly Buffer[], ext: string, concurrency = 4): Promise<ServedAnswer[]> {
  return mapLimit(files, concurrency, async (bytes) => {
    const form = new FormData();
    form.append('image', part(bytes, ext), `picture.${ext}`);
    const res = await fetch(`${url}/predict`, { method: 'POST', body: form });
    if (res.status !== 200 && res.status !== 422) throw new Error(`POST /predict answered ${res.status}: ${await res.text()}`);
    return answerOf(await res.json());
  });
}

/** The pictures in POST /predict/batch requests of `batchSize` (repeated field `images`), answers in order. */
export async function predictBatches(url: string, files: readonly Buffer[], ext: string, batchSize: number): Promise<ServedAnswer[]> {
  const answers: ServedAnswer[] = [];
  for (let start = 0; start < files.length; start += batchSize) {
    const form = new FormData();
    for (const bytes of files.slice(start, start + batchSize)) form.append('images', part(bytes, ext), `picture.${ext}`);
    const res = await fetch(`${url}/predict/batch`, { method: 'POST', body: form });
    if (res.status !== 200) throw new Error(`POST /predict/batch answered ${res.status}: ${await res.text()}`);
    const body = (await res.json()) as { results: unknown[] };
    answers.push(...body.results.map(answerOf));
  }
  return answers;
}

/** Answers that are the right class (a no_digit or any other problem counts as wrong). */
export function countCorrect(answers: readonly ServedAnswer[], labels: readonly number[]): number {
  return answers.reduce((n, a, i) => n + ('prediction' in a && a.prediction === labels[i] ? 1 : 0), 0);
}

/** Answers that are the no_digit problem. */
export function countNoDigit(answers: readonly ServedAnswer[]): number {
  return answers.filter((a) => 'code' in a && a.code === 'no_digit').length;
}
