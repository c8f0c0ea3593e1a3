/**
 * The infer routes' request body as /docs shows it. The routes read their bodies themselves
 * (JSON, or a JSON header and binary tensors: body.ts), so http/openapi.ts sets this in place of
 * a route body schema; the example is one "Try it out" sends as it is.
 */
import type { OpenAPIV3 } from 'openapi-types';
import { z } from 'zod';
import { IMAGES_INPUT, InferenceRequest } from './schemas.js';

/** A 28x28 PNG of a "1" (a white stroke on black), small enough to read in the page. */
const ONE_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAABwAAAAcCAIAAAD9b0jDAAAACXBIWXMAAAPoAAAD6AG1e1JrAAAAIklEQVRIx2NgGAXDCvyHgVFDRw0dNXTU0FFDR4iho2CAAQBeFqFf/cqdpAAAAABJRU5ErkJggg==';

export const INFER_EXAMPLE = { id: '1', inputs: [{ name: IMAGES_INPUT, shape: [1], datatype: 'BYTES', data: [ONE_PNG] }] };

export const inferRequestBody: OpenAPIV3.RequestBodyObject = {
  required: true,
  description:
    'Inputs by name: `pixels`, FP32 in 0..1 or UINT8 in 0..255, [n, 784] or [n, 28, 28]; `images`, BYTES [n], each a base64 image ' +
    "file. Triton's binary tensor data extension: the JSON header, then the tensors' bytes, with `Inference-Header-Content-Length` " +
    'and `parameters.binary_data_size` on each binary input (Content-Type application/octet-stream, none, or ' +
    'application/vnd.sagemaker-triton.binary+json;json-header-size=N).',
  content: {
    'application/json': { schema: z.toJSONSchema(InferenceRequest, { io: 'input' }) as OpenAPIV3.SchemaObject, example: INFER_EXAMPLE },
    'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
  },
};
