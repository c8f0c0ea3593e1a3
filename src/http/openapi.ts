/**
 * OpenAPI 3 from the zod schemas: routes declare their responses (problems included) with
 * zod; the request bodies, which the routes read themselves because they come in several
 * encodings, are described here from the same zod schemas the routes validate with.
 */
import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import type { OpenAPIV3 } from 'openapi-types';
import { z } from 'zod';
import { BatchJsonBody, ImageInput, JsonInput } from './input-schemas.js';
import { PROBLEM_CONTENT_TYPE, PROBLEMS, problemBody, ProblemSchema, type ProblemCode } from './problem.js';
import { inferRequestBody } from '../routes/v2/docs.js';

const binaryImage = { type: 'string', format: 'binary', description: 'PNG, JPEG, WebP, GIF (first frame), TIFF or AVIF bytes' } as const;

const jsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input' }) as OpenAPIV3.SchemaObject;

/** One picture, in any of the encodings /predict and /read take; `json` is what JSON may carry. */
function oneImageBody(json: z.ZodType, example: unknown): OpenAPIV3.RequestBodyObject {
  return {
    required: true,
    content: {
      'multipart/form-data': { schema: { type: 'object', required: ['image'], properties: { image: binaryImage } } },
      'image/*': { schema: binaryImage },
      'application/octet-stream': { schema: binaryImage },
      'application/json': { schema: jsonSchema(json), example },
    },
  };
}

function batchBody(example: unknown): OpenAPIV3.RequestBodyObject {
  return {
    required: true,
    content: {
      'multipart/form-data': {
        schema: { type: 'object', required: ['images'], properties: { images: { type: 'array', items: binaryImage } } },
      },
      'application/json': { schema: jsonSchema(BatchJsonBody), example },
    },
  };
}

const IMAGE_EXAMPLE = { image: 'data:image/png;base64,iVBORw0KGgo...' };

const REQUEST_BODIES: Record<string, OpenAPIV3.RequestBodyObject> = {
  '/predict': oneImageBody(JsonInput, { pixels: new Array(784).fill(0) }),
  '/predict/batch': batchBody({ inputs: [{ pixels: new Array(784).fill(0) }] }),
  '/read': oneImageBody(ImageInput, IMAGE_EXAMPLE),
  '/read/batch': batchBody({ inputs: [IMAGE_EXAMPLE] }),
  '/v2/models/{model}/infer': inferRequestBody,
  '/v2/models/{model}/versions/{version}/infer': inferRequestBody,
};

/**
 * zod writes an int's implied bounds, plus and minus Number.MAX_SAFE_INTEGER, into its JSON
 * schema, and /docs then offers 9007199254740991 as the example of every integer: they tell a
 * client nothing, so they are left out.
 */
function withoutImpliedIntBounds(node: unknown): void {
  if (node === null || typeof node !== 'object') return;
  const record = node as Record<string, unknown>;
  if (record.maximum === Number.MAX_SAFE_INTEGER) delete record.maximum;
  if (record.minimum === Number.MIN_SAFE_INTEGER) delete record.minimum;
  Object.values(record).forEach(withoutImpliedIntBounds);
}

/**
 * Response entries for a route's problems, grouped by status, each listing its codes with an
 * example of every one (so `/docs` shows what a client must handle).
 */
export function problemResponses(...codes: ProblemCode[]) {
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of codes) byStatus.set(PROBLEMS[code].status, [...(byStatus.get(PROBLEMS[code].status) ?? []), code]);
  return Object.fromEntries(
    [...byStatus].map(([status, group]) => [
      status,
      {
        description: group.map((c) => `\`${c}\`: ${PROBLEMS[c].title}`).join('; '),
        content: {
          [PROBLEM_CONTENT_TYPE]: {
            schema: ProblemSchema.meta({ examples: group.map((c) => problemBody(c, PROBLEMS[c].title)) }),
          },
        },
      },
    ]),
  );
}

export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'digit-serve',
        version,
        description:
          'Reads handwritten digits: upload an image or 784 pixels, get ten class probabilities; ' +
          'upload a picture of a number to /read, get its digits left to right. ' +
          'Every error is an RFC 9457 problem (application/problem+json) with a stable `code`, ' +
          'except on the Open Inference Protocol routes (/v2), which answer errors in the protocol\'s shape, {"error": "..."}.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'one of API_KEYS, when the operator set them' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: (documentObject) => {
      if (!('openapiObject' in documentObject)) return documentObject.swaggerObject;
      const doc = documentObject.openapiObject as OpenAPIV3.Document;
      for (const [path, body] of Object.entries(REQUEST_BODIES)) {
        const post = doc.paths?.[path]?.post;
        if (post) post.requestBody = body;
      }
      withoutImpliedIntBounds(doc);
      return doc;
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
