/**
 * Every setting comes from the environment, is parsed once here by one zod schema, and has
 * its default in this file only. A bad value stops start-up with every problem listed.
 */
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { z } from 'zod';

/** The repo (or image) root, so relative defaults do not depend on the working directory. */
export const PROJECT_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');

export const DEFAULT_WEIGHTS = resolve(PROJECT_ROOT, 'weights/digit-serve-mlp.safetensors');

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const ConfigSchema = z.object({
  PORT: int(0, 65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  WEIGHTS: z.string().min(1).default(DEFAULT_WEIGHTS).describe('.safetensors (native) or .pkl (the book) weights file'),
  MNIST_DIR: z
    .string()
    .min(1)
    .optional()
    .describe('folder with t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz], used by /eval'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MAX_FILE_BYTES: int(1, 1 << 30).default(5_000_000).describe('largest accepted image file, in bytes'),
  MAX_BATCH_FILES: int(1, 10_000).default(256).describe('most images in one /predict/batch request'),
  MAX_BODY_BYTES: int(1, 1 << 30)
    .default(20_000_000)
    .describe('largest request body (raw image, JSON, or all parts of a multipart request), in bytes'),
  MAX_INPUT_PIXELS: int(1, 1 << 30).default(40_000_000).describe('largest decoded image, width x height, checked before decoding'),
});
export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parse the environment (or a test's partial config); throws a ConfigError listing every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const known = Object.fromEntries(
    Object.keys(ConfigSchema.shape).map((key) => [key, env[key] === '' ? undefined : env[key]]),
  );
  const parsed = ConfigSchema.safeParse(known);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new ConfigError(`invalid configuration:\n${problems}`);
  }
  return parsed.data;
}
