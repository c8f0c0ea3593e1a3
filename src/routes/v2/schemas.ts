/**
 * The Open Inference Protocol's JSON objects as zod schemas, and the names of this model's
 * tensors: the routes validate with them, the types come from them, /docs describes them.
 * https://github.com/kserve/open-inference-protocol/blob/main/specification/protocol/inference_rest.md
 */
import { z } from 'zod';

/** The protocol's name for the model this server serves (the registry's default model). */
export const V2_MODEL_NAME = 'mnist';

/** The routes' group in /docs. */
export const V2_TAGS = ['open inference protocol'];

export const PIXELS_INPUT = 'pixels';
export const IMAGES_INPUT = 'images';
export const PROBABILITIES_OUTPUT = 'probabilities';
export const PREDICTIONS_OUTPUT = 'predictions';

/** Every failure on these routes, as the protocol words it. */
export const V2Error = z.object({ error: z.string() });

export const ModelParams = z.object({ model: z.string() });
export const VersionParams = ModelParams.extend({ version: z.string().describe("the model's version, as its metadata lists it") });

/** Triton's binary tensor data extension adds these parameters; the protocol allows any others. */
export const RequestInput = z.object({
  name: z.string(),
  shape: z.array(z.number().int().min(0)),
  datatype: z.string(),
  parameters: z
    .looseObject({
      binary_data_size: z.number().int().min(0).optional().describe('the tensor is this many bytes of the binary part, not `data`'),
    })
    .optional(),
  data: z
    .array(z.unknown())
    .optional()
    .describe('the elements, row-major, flat or nested as the shape says; absent when the tensor is in the binary part'),
});
export type RequestInput = z.infer<typeof RequestInput>;

export const RequestOutput = z.object({
  name: z.string(),
  parameters: z.looseObject({ binary_data: z.boolean().optional().describe('return this output in the binary part') }).optional(),
});
export type RequestOutput = z.infer<typeof RequestOutput>;

export const InferenceRequest = z.object({
  id: z.string().optional(),
  parameters: z
    .looseObject({
      binary_data_output: z.boolean().optional().describe('return every output in the binary part, unless it says otherwise'),
    })
    .optional(),
  inputs: z.array(RequestInput).min(1),
  outputs: z.array(RequestOutput).optional().describe('the outputs to return; all of them when absent'),
});
export type InferenceRequest = z.infer<typeof InferenceRequest>;

const ResponseOutput = z.object({
  name: z.string(),
  shape: z.array(z.number().int().min(0)),
  datatype: z.string(),
  parameters: z.object({ binary_data_size: z.number().int().min(0) }).optional(),
  data: z.array(z.number()).optional(),
});
export type ResponseOutput = z.infer<typeof ResponseOutput>;

export const InferenceResponse = z.object({
  model_name: z.string(),
  model_version: z.string(),
  id: z.string().optional(),
  outputs: z.array(ResponseOutput),
});
export type InferenceResponse = z.infer<typeof InferenceResponse>;

const MetadataTensor = z.object({ name: z.string(), datatype: z.string(), shape: z.array(z.number().int().min(-1)) });

export const ModelMetadata = z.object({
  name: z.string(),
  versions: z.array(z.string()),
  platform: z.string(),
  inputs: z.array(MetadataTensor),
  outputs: z.array(MetadataTensor),
});

export const ModelReady = z.object({ name: z.string(), ready: z.boolean() });

/** The repository extension's index: every version of every model, and its state. */
export const RepositoryIndex = z.array(
  z.object({
    name: z.string(),
    version: z.string(),
    state: z
      .enum(['READY', 'UNAVAILABLE'])
      .describe('READY: loaded, checked, warmed up and scored; UNAVAILABLE: its file was refused, or the model was unloaded'),
    reason: z.string().describe('why a version is UNAVAILABLE: the refusal, or "unloaded"'),
  }),
);
