import { z } from 'zod';
import { Architecture, type Mlp } from '../mlp.js';

export const WeightsFormat = z.enum(['safetensors', 'pickle']);
export type WeightsFormat = z.infer<typeof WeightsFormat>;

/** What the service says about the model that answered: in logs, responses, /eval and /metrics. */
export const ModelInfo = z.object({
  name: z.string().describe('model name from the weights metadata, or the file name'),
  sha256: z.string().regex(/^[0-9a-f]{64}$/).describe('sha256 of the weights file'),
  file: z.string().describe('path of the weights file as configured'),
  format: WeightsFormat,
  architecture: Architecture,
  /** free-form provenance from the file (safetensors __metadata__ string values) */
  metadata: z.record(z.string(), z.string()),
});
export type ModelInfo = z.infer<typeof ModelInfo>;

export interface LoadedModel {
  readonly mlp: Mlp;
  readonly info: ModelInfo;
}

/** A weights file that cannot be used. The message names the file and the problem, for a one-line start-up error. */
export class WeightsError extends Error {
  override name = 'WeightsError';
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`cannot load weights from ${file}: ${problem}`);
  }
}
