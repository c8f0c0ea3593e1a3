/**
 * Every setting comes from the environment, is parsed once here by one zod schema, and has
 * its default in this file only. A bad value stops start-up with every problem listed.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { z } from 'zod';
import { originProblems } from './http/origins.js';
import { describeIssues } from './one-line.js';

/** The repo (or image) root, so relative defaults do not depend on the working directory. */
export const PROJECT_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');

export const SERVICE_VERSION: string = (JSON.parse(readFileSync(resolve(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string })
  .version;

export const DEFAULT_WEIGHTS = resolve(PROJECT_ROOT, 'weights/digit-serve-mlp.safetensors');
export const DEFAULT_PARTS_WEIGHTS = resolve(PROJECT_ROOT, 'weights/digit-serve-parts.safetensors');

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const ConfigSchema = z.object({
  PORT: int(0, 65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  WEIGHTS: z.string().min(1).default(DEFAULT_WEIGHTS).describe('.safetensors (native) or .pkl (the book) weights file'),
  PARTS_WEIGHTS: z
    .string()
    .min(1)
    .default(DEFAULT_PARTS_WEIGHTS)
    .describe('the parts model /read scores the parts of touching digits with: 784 inputs, 11 classes (10 = not one digit)'),
  MODEL_REPOSITORY: z
    .string()
    .min(1)
    .optional()
    .describe('a model repository, <name>/<version>/model.safetensors, served instead of WEIGHTS: every version of every model'),
  DEFAULT_MODEL: z
    .string()
    .min(1)
    .optional()
    .describe("the model a request that names none gets, at its highest version (default: the repository's first by name)"),
  MODEL_POLL_INTERVAL_MS: int(0, 86_400_000)
    .default(5_000)
    .describe('how often MODEL_REPOSITORY is looked at for new, changed or removed versions; 0 = only on SIGHUP and the repository API'),
  MNIST_DIR: z
    .string()
    .min(1)
    .optional()
    .describe('folder with t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz], used by /eval'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ACCESS_LOG: z
    .stringbool({ truthy: ['1', 'true', 'on'], falsy: ['0', 'false', 'off'] })
    .default(false)
    .describe(
      'an info line as each request arrives and one as it completes (the access log); off, refused requests are still logged and every request is counted in /metrics',
    ),
  MAX_FILE_BYTES: int(1, 1 << 30)
    .default(15_000_000)
    .describe("largest accepted image file, in bytes: a phone's photo (3 to 12 MB) fits"),
  MAX_BATCH_FILES: int(1, 10_000).default(256).describe('most images in one /predict/batch or /read/batch request'),
  MAX_READ_DIGITS: int(1, 1_000).default(32).describe('most digits /read reads in one picture (more is 422 too_many_digits)'),
  MAX_BODY_BYTES: int(1, 1 << 30)
    .default(40_000_000)
    .describe('largest multipart request body, all parts together, in bytes (JSON has MAX_JSON_BYTES, raw images MAX_FILE_BYTES)'),
  MAX_JSON_BYTES: int(1, 1 << 30)
    .default(21_000_000)
    .describe('largest JSON body, in bytes: a batch of 256 x 784 pixels at full precision, or one base64 image of MAX_FILE_BYTES'),
  WHOLE_FORM_BYTES: int(0, 1 << 30)
    .default(262_144)
    .describe(
      'multipart bodies up to this size (with a Content-Length) are read whole and split at once; larger ones are streamed; 0 streams all',
    ),
  MAX_INPUT_PIXELS: int(1, 1 << 30)
    .default(25_000_000)
    .describe('largest image, width x height as its header declares them, refused before decoding'),
  MAX_ASPECT_RATIO: int(1, 1 << 16)
    .default(16)
    .describe('longest side over shortest side above which an image is refused from its header'),
  MAX_REQUEST_PIXELS: int(1, 2 ** 40)
    .default(64_000_000)
    .describe("pixels of one request's images together, width x height from their headers, above which the request is refused"),
  REQUEST_TIMEOUT_MS: int(0, 3_600_000)
    .default(30_000)
    .describe('longest a client may take to send a request, headers and body (then 408); 0 = no limit'),
  DECODE_CONCURRENCY: int(1, 1024).default(4).describe('images decoded at the same time (sharp work in the libuv thread pool)'),
  DECODE_QUEUE_LIMIT: int(0, 1_000_000)
    .default(512)
    .describe('images waiting for a decode slot before new requests are shed with 503 and Retry-After'),
  DECODE_PIXEL_BUDGET: int(1, 2 ** 40)
    .default(25_000_000)
    .describe(
      'pixels held at once by the decodes holding over 1 M each (a baseline JPEG counts at the scale it is decoded at); one over the budget decodes when no other such decode runs',
    ),
  MAX_EVENT_LOOP_DELAY_MS: int(0, 60_000)
    .default(1_000)
    .describe('event-loop delay above which requests are shed with 503 and Retry-After; 0 = off'),
  RATE_LIMIT_MAX: int(0, 1_000_000_000).default(0).describe('requests per client (IP) and window on the API routes; 0 = no rate limit'),
  RATE_LIMIT_WINDOW_MS: int(1, 86_400_000).default(60_000).describe('the rate-limit window'),
  API_KEYS: z
    .string()
    .optional()
    .transform((v) =>
      (v ?? '')
        .split(',')
        .map((k) => k.trim())
        .filter((k) => k.length > 0),
    )
    .describe('comma-separated API keys; when set, /predict*, /eval and /v2 inference need one (Authorization: Bearer KEY or X-API-Key)'),
  CORS_ORIGINS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const origins = (v ?? '')
        .split(',')
        .map((o) => o.trim())
        .filter((o) => o.length > 0);
      for (const message of originProblems(origins)) ctx.issues.push({ code: 'custom', message, input: v });
      return origins;
    })
    .describe('web origins allowed to call the API from a browser (CORS): * for any, or comma-separated scheme://host[:port]; unset = off'),
  WORKERS: int(0, 256).default(0).describe('worker processes sharing the port; 0 = one per available CPU (cgroup quota honoured)'),
  SHUTDOWN_GRACE_MS: int(0, 600_000)
    .default(10_000)
    .describe('after SIGTERM, how long in-flight requests get before the process exits anyway'),
});
export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parse the environment (or a test's partial config); throws a ConfigError listing every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const known = Object.fromEntries(Object.keys(ConfigSchema.shape).map((key) => [key, env[key] === '' ? undefined : env[key]]));
  const parsed = ConfigSchema.safeParse(known);
  if (!parsed.success) {
    throw new ConfigError(`invalid configuration: ${describeIssues(parsed.error, { input: known, most: Infinity })}`);
  }
  return parsed.data;
}
