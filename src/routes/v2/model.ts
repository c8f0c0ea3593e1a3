/**
 * What the protocol's model paths name: the registry's default model, under the protocol name
 * 'mnist', at its one version (the first 12 hex digits of its weights' sha256), and how its
 * metadata describes it.
 */
import type { FastifyInstance } from 'fastify';
import { HttpProblem } from '../../http/problem.js';
import type { ServedModel } from '../../models/served-model.js';
import { clip } from '../../one-line.js';
import { INPUT_SIZE } from '../../preprocess/tensor.js';
import { IMAGES_INPUT, PIXELS_INPUT, PREDICTIONS_OUTPUT, PROBABILITIES_OUTPUT, V2_MODEL_NAME, type ModelMetadata } from './schemas.js';
import type { z } from 'zod';

/** The model at `model` (and `version`, when the path names one); 404 for any other. */
export function servedAt(app: FastifyInstance, params: { readonly model: string; readonly version?: string }): ServedModel {
  if (params.model !== V2_MODEL_NAME) {
    throw new HttpProblem('not_found', `unknown model '${clip(params.model)}'; this server serves '${V2_MODEL_NAME}'`);
  }
  const served = app.models.default;
  if (params.version !== undefined && params.version !== served.ref.version) {
    throw new HttpProblem(
      'not_found',
      `unknown version '${clip(params.version)}' of model '${V2_MODEL_NAME}'; it has '${served.ref.version}'`,
    );
  }
  return served;
}

/** `pixels` also takes UINT8 in 0..255; a metadata tensor has one datatype, and FP32 is the model's own. */
export function metadata(served: ServedModel): z.infer<typeof ModelMetadata> {
  return {
    name: V2_MODEL_NAME,
    versions: [served.ref.version],
    platform: 'digit-serve',
    inputs: [
      { name: PIXELS_INPUT, datatype: 'FP32', shape: [-1, INPUT_SIZE] },
      { name: IMAGES_INPUT, datatype: 'BYTES', shape: [-1] },
    ],
    outputs: [
      { name: PROBABILITIES_OUTPUT, datatype: 'FP32', shape: [-1, served.labels.length] },
      { name: PREDICTIONS_OUTPUT, datatype: 'INT64', shape: [-1] },
    ],
  };
}
