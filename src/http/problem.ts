/**
 * One error format everywhere: RFC 9457 problem details (application/problem+json) with a
 * stable machine-readable `code`. Every code the service can answer is listed in PROBLEMS,
 * so clients, docs and tests share one catalogue.
 */
import { z } from 'zod';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export const PROBLEMS = {
  bad_request: { status: 400, title: 'Bad request' },
  invalid_json: { status: 400, title: 'Request body is not valid JSON' },
  invalid_input: { status: 400, title: 'Input does not match the schema' },
  missing_image: { status: 400, title: 'No image in the request' },
  empty_body: { status: 400, title: 'Request body is empty' },
  invalid_image: { status: 400, title: 'Image could not be decoded' },
  image_too_large: { status: 413, title: 'Image file larger than the limit' },
  too_many_pixels: { status: 413, title: 'Image has more pixels than the limit' },
  too_many_pixels_in_request: { status: 413, title: 'Images of one request have more pixels together than the limit' },
  extreme_aspect_ratio: { status: 422, title: 'Image too long and thin to hold a digit' },
  too_many_images: { status: 413, title: 'Too many images in one batch' },
  body_too_large: { status: 413, title: 'Request body larger than the limit' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  unauthorized: { status: 401, title: 'Missing or invalid API key' },
  not_found: { status: 404, title: 'Not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed on this path' },
  model_not_found: { status: 404, title: 'No such model or version is served' },
  default_model: { status: 409, title: 'The default model cannot be unloaded' },
  model_load_failed: { status: 400, title: 'The model could not be loaded' },
  not_a_digit_model: { status: 400, title: 'This model does not read digits' },
  rate_limited: { status: 429, title: 'Too many requests from this client' },
  no_digit: { status: 422, title: 'No digit found in the image' },
  several_lines: { status: 422, title: 'The image holds several lines of digits; /read reads one' },
  too_many_digits: { status: 422, title: 'More digits in the image than /read reads in one picture' },
  eval_unavailable: { status: 503, title: 'No labelled dataset to evaluate on' },
  not_ready: { status: 503, title: 'Service not ready' },
  overloaded: { status: 503, title: 'Server saturated, retry later' },
  internal_error: { status: 500, title: 'Internal server error' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemCode = keyof typeof PROBLEMS;
export const ProblemCodeSchema = z.enum(Object.keys(PROBLEMS) as [ProblemCode, ...ProblemCode[]]);

export const ProblemSchema = z
  .object({
    type: z.string().describe('URI identifying the problem type'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    code: ProblemCodeSchema,
  })
  .catchall(z.unknown());
export type Problem = z.infer<typeof ProblemSchema>;

/**
 * Details quote what the client sent (tensor names, output names, libvips' messages about its
 * file), and both the answer and the log line carry them: bounded, no request makes either long.
 */
export const MAX_DETAIL_CHARS = 400;

/** `text` when it holds at most `max` characters, else its start and an ellipsis, `max` in all. */
export const shortened = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);
const bounded = (detail: string) => shortened(detail, MAX_DETAIL_CHARS);

/** An error that knows its problem code; thrown anywhere, rendered by the one error handler. */
export class HttpProblem extends Error {
  override name = 'HttpProblem';
  readonly status: number;
  readonly detail: string | undefined;
  constructor(
    readonly code: ProblemCode,
    detail?: string,
    readonly extra: Record<string, unknown> = {},
    /** response headers that belong with the problem, e.g. Retry-After */
    readonly headers: Record<string, string> = {},
  ) {
    const text = detail === undefined ? undefined : bounded(detail);
    super(text ?? PROBLEMS[code].title);
    this.detail = text;
    this.status = PROBLEMS[code].status;
  }

  toProblem(instance?: string): Problem {
    return problemBody(this.code, this.detail, instance === undefined ? undefined : bounded(instance), this.extra);
  }
}

export function problemBody(code: ProblemCode, detail?: string, instance?: string, extra: Record<string, unknown> = {}): Problem {
  const { status, title } = PROBLEMS[code];
  return {
    type: `urn:digit-serve:problem:${code}`,
    title,
    status,
    ...(detail === undefined ? {} : { detail }),
    ...(instance === undefined ? {} : { instance }),
    code,
    ...extra,
  };
}
