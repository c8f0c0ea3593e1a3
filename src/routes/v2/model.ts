/**
 * What the protocol's model paths name: any model the registry serves, by its name, at the
 * version the path names or its default; and 'mnist', the name the protocol's clients and the
 * KServe deployment have always used, for the default model. Each is described by its metadata.
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
  const name = params.model === V2_MODEL_NAME ? undefined : params.model;
  try {
    return app.models.resolve(name, params.version);
  } catch (err) {
    if (!(err instanceof HttpProblem)) throw err;
    // the protocol's own wording: a 404 names the model or version it does not know
    const served = app.models.models().map((m) => m.name);
    const asked = name ?? app.models.defaultModelName;
    if (params.version === undefined || !served.includes(asked)) {
      throw new HttpProblem(
        'not_found',
        `unknown model '${clip(params.model)}'; this server serves ${[V2_MODEL_NAME, ...served].map((m) => `'${m}'`).join(', ')}`,
      );
    }
    const versions = versionsOf(app, asked).map((v) => `'${v}'`);
    throw new HttpProblem(
      'not_found',
      `unknown version '${clip(params.version)}' of model '${clip(params.model)}'; it has ${versions.join(', ')}`,
    );
  }
}

const versionsOf = (app: FastifyInstance, name: string) => app.models.versions(name).map((v) => v.ref.version);

/** `pixels` also takes UINT8 in 0..255; a metadata tensor has one datatype, and FP32 is the model's own. */
export function metadata(app: FastifyInstance, asked: string, served: ServedModel): z.infer<typeof ModelMetadata> {
  return {
    name: asked,
    versions: versionsOf(app, served.ref.name),
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
