/**
 * Our model inside a safetensors file: tensors W1, b1, W2, b2, ... (see tensors.ts) and
 * `__metadata__` with
 *   format        "digit-serve-mlp/1"
 *   name          the model's name
 *   architecture  JSON of the Architecture schema, e.g. {"sizes":[784,50,100,10],"hidden":["sigmoid","sigmoid"],"output":"softmax"}
 * plus free provenance strings (`source`, `training`, ...), kept as they are.
 */
import { Architecture, architectureOf, createMlp, describeArchitecture, type Mlp } from '../mlp.js';
import { InvalidWeightsError } from './errors.js';
import { clip, describeIssues, thousands } from '../../one-line.js';
import { encodeSafetensors, parseSafetensors, type Metadata } from './safetensors.js';
import { layersFromTensors, tensorsFromMlp } from './tensors.js';

export const MLP_FORMAT = 'digit-serve-mlp/1';

export type MlpMetadata = { name: string } & Metadata;

/** Serialize an MLP; `format` and `architecture` are derived from the model and override any given value. */
export function mlpToSafetensors(mlp: Mlp, metadata: MlpMetadata): Buffer {
  return encodeSafetensors(tensorsFromMlp(mlp), {
    ...metadata,
    format: MLP_FORMAT,
    architecture: JSON.stringify(architectureOf(mlp)),
  });
}

/** The inverse of mlpToSafetensors: parse, then check the metadata against the tensors. */
export function mlpFromSafetensors(buf: Uint8Array): { mlp: Mlp; architecture: Architecture; metadata: Metadata } {
  const { tensors, metadata } = parseSafetensors(buf);
  if (metadata.format !== MLP_FORMAT) {
    const found = metadata.format === undefined ? 'no __metadata__.format' : `format "${clip(metadata.format)}"`;
    throw new InvalidWeightsError(`${found}, expected "${MLP_FORMAT}"`);
  }
  const architecture = parseArchitecture(metadata.architecture);
  const { sizes, params } = layersFromTensors(tensors);
  if (sizes.join('-') !== architecture.sizes.join('-')) {
    throw new InvalidWeightsError(
      `the metadata says ${clip(describeArchitecture(architecture), 80)} but the tensors chain ${clip(sizes.join('-'), 80)}`,
    );
  }
  return { mlp: createMlp(architecture, params), architecture, metadata };
}

/**
 * The JSON of an architecture with as many layers as a model may have (tensors.ts) fits in a
 * fraction of this; a longer one is refused before zod, which builds an issue per bad value of
 * a hostile array.
 */
const MAX_ARCHITECTURE_CHARS = 4096;

function parseArchitecture(json: string | undefined): Architecture {
  if (json === undefined) throw new InvalidWeightsError('no __metadata__.architecture');
  if (json.length > MAX_ARCHITECTURE_CHARS) {
    throw new InvalidWeightsError(`__metadata__.architecture holds ${thousands(json.length)} characters; the limit is ${thousands(MAX_ARCHITECTURE_CHARS)}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new InvalidWeightsError(`__metadata__.architecture is not JSON: ${clip(json)}`);
  }
  const parsed = Architecture.safeParse(value);
  if (!parsed.success) {
    throw new InvalidWeightsError(`__metadata__.architecture is invalid (${describeIssues(parsed.error)})`);
  }
  return parsed.data;
}
