/**
 * What the routes that read uploads share: the input problems they answer, each counted in
 * digit_serve_input_failures_total, and their direct serialisation.
 */
import type { FastifyInstance } from 'fastify';
import { toHttpProblem } from '../http/errors.js';
import { labelsOf, type ModelLabels } from '../http/metrics.js';
import { HttpProblem, type ProblemCode } from '../http/problem.js';

/** What a client's input can be refused for: each is counted in digit_serve_input_failures_total. */
export const INPUT_FAILURES = [
  'bad_request',
  'invalid_json',
  'invalid_input',
  'missing_image',
  'empty_body',
  'invalid_image',
  'image_too_large',
  'too_many_pixels',
  'too_many_pixels_in_request',
  'extreme_aspect_ratio',
  'too_many_images',
  'body_too_large',
  'unsupported_media_type',
  'no_digit',
  'several_lines',
  'too_many_digits',
  'model_not_found',
] as const satisfies readonly ProblemCode[];

/** Answered by /read alone. */
const READ_ONLY: ReadonlySet<ProblemCode> = new Set(['several_lines', 'too_many_digits']);

/** The problems a one-picture route answers for its input, besides those it adds itself. */
export const inputProblems = (...own: ProblemCode[]) =>
  [
    ...INPUT_FAILURES.filter((code) => code !== 'too_many_images' && !READ_ONLY.has(code)),
    ...own,
    'unauthorized',
    'rate_limited',
    'overloaded',
  ] as const;

/**
 * The upload routes answer values built from typed results that already have the schemas'
 * shape (the type provider checks it at compile time; test/http/api.test.ts checks real
 * answers, good and bad, against the schemas): re-validating every answer with zod was a
 * measurable share of a request's time on the benchmarks, so they are serialised directly.
 */
export const serializeDirectly = () => (data: unknown) => JSON.stringify(data);

/**
 * A whole request refused, wherever it was (the body's parser, the schema, the reading, the
 * model), counted once by this hook on the plugin's routes; a batch's refused items are
 * counted with its answers (countItemFailures).
 */
export function countRefusedRequests(app: FastifyInstance): void {
  const failures = new Set<ProblemCode>(INPUT_FAILURES);
  app.addHook('onError', async (request, _reply, error) => {
    const problem = toHttpProblem(error);
    if (problem && failures.has(problem.code)) app.metrics.inputFailures.inc({ code: problem.code, ...labelsOf(request.servedBy) });
  });
}

/** Counts the problems among a request's results; returns the others. */
export function countItemFailures<T>(app: FastifyInstance, results: readonly (T | HttpProblem)[], model: ModelLabels): T[] {
  const good: T[] = [];
  for (const r of results) {
    if (r instanceof HttpProblem) app.metrics.inputFailures.inc({ code: r.code, ...model });
    else good.push(r);
  }
  return good;
}

/** A batch route's answer: every item in input order, each naming the model, or its own problem in its place. */
export function batchAnswer<T extends object, M>(model: M, results: readonly (T | HttpProblem)[]) {
  return {
    count: results.length,
    model,
    results: results.map((r) => (r instanceof HttpProblem ? { error: r.toProblem() } : { ...r, model })),
  };
}
