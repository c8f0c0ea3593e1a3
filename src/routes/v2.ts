/**
 * The Open Inference Protocol (KServe v2) over HTTP/REST, so the service drops into KServe,
 * Seldon or Triton-style tooling:
 * https://github.com/kserve/open-inference-protocol/blob/main/specification/protocol/inference_rest.md
 * Errors on these routes take the protocol's shape, {"error": "..."}, with the HTTP status of
 * the matching problem.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { describeIssues } from '../one-line.js';
import { toHttpProblem } from '../http/errors.js';
import { HttpProblem } from '../http/problem.js';
import type { InputItem, ItemOrProblem } from '../http/inputs.js';
import { takeTurn } from '../inference/turns.js';
import { INPUT_SIZE } from '../preprocess/tensor.js';
import { SERVICE_VERSION } from '../config.js';

export const V2_MODEL_NAME = 'mnist';
const PIXELS_INPUT = 'pixels';
const IMAGES_INPUT = 'images';
const PROBABILITIES_OUTPUT = 'probabilities';
const PREDICTIONS_OUTPUT = 'predictions';

const V2Error = z.object({ error: z.string() });

const TensorData = z.array(z.unknown());
const RequestInput = z.object({
  name: z.string(),
  shape: z.array(z.number().int().min(-1)),
  datatype: z.string(),
  parameters: z.record(z.string(), z.unknown()).optional(),
  data: TensorData,
});
const InferenceRequest = z.object({
  id: z.string().optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
  inputs: z.array(RequestInput).min(1),
  outputs: z.array(z.object({ name: z.string(), parameters: z.record(z.string(), z.unknown()).optional() })).optional(),
});
type RequestInput = z.infer<typeof RequestInput>;

const ResponseOutput = z.object({ name: z.string(), shape: z.array(z.number().int()), datatype: z.string(), data: z.array(z.number()) });
const InferenceResponse = z.object({
  model_name: z.string(),
  model_version: z.string().optional(),
  id: z.string().optional(),
  outputs: z.array(ResponseOutput),
});

const MetadataTensor = z.object({ name: z.string(), datatype: z.string(), shape: z.array(z.number().int()) });
const ModelMetadata = z.object({
  name: z.string(),
  versions: z.array(z.string()).optional(),
  platform: z.string(),
  inputs: z.array(MetadataTensor),
  outputs: z.array(MetadataTensor),
});

const bad = (detail: string) => new HttpProblem('invalid_input', detail);

/**
 * The tensor's elements in row-major order: `data` is flat or nested as the shape says (the
 * protocol allows either). Walked with an explicit stack and never deeper than the shape, so
 * a hostile nesting depth is a client error rather than a stack overflow.
 */
function flatten(input: RequestInput): unknown[] {
  const maxDepth = Math.max(1, input.shape.length);
  const values: unknown[] = [];
  const stack: Array<{ items: readonly unknown[]; next: number }> = [{ items: input.data, next: 0 }];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    if (frame.next === frame.items.length) {
      stack.pop();
      continue;
    }
    const item = frame.items[frame.next++];
    if (!Array.isArray(item)) {
      values.push(item);
    } else if (stack.length === maxDepth) {
      throw bad(`input '${input.name}': data is nested deeper than its shape [${input.shape.join(', ')}]`);
    } else {
      stack.push({ items: item, next: 0 });
    }
  }
  return values;
}

/** A [n, 784] (or [n, 28, 28], [n, 1, 28, 28]) FP32 tensor -> n pixel items. */
function pixelItems(input: RequestInput): InputItem[] {
  if (input.datatype !== 'FP32') throw bad(`input '${input.name}' has datatype ${input.datatype}; pixels are FP32`);
  const [n, ...rest] = input.shape;
  if (n === undefined || n < 0 || rest.reduce((a, b) => a * b, 1) !== INPUT_SIZE || rest.some((d) => d < 0)) {
    throw bad(`input '${input.name}' has shape [${input.shape.join(', ')}]; expected [n, ${INPUT_SIZE}] or [n, 28, 28]`);
  }
  const values = flatten(input);
  if (values.length !== n * INPUT_SIZE) throw bad(`input '${input.name}' holds ${values.length} values; its shape needs ${n * INPUT_SIZE}`);
  if (!values.every((v) => typeof v === 'number' && v >= 0 && v <= 1)) throw bad(`input '${input.name}': pixels are numbers in 0..1`);
  const all = Float32Array.from(values as number[]);
  return Array.from({ length: n }, (_, i) => ({ kind: 'pixels', pixels: all.subarray(i * INPUT_SIZE, (i + 1) * INPUT_SIZE) }));
}

/** A [n] BYTES tensor of base64-encoded image files -> n image items (a bad element is that item's problem). */
function imageItems(input: RequestInput): ItemOrProblem[] {
  if (input.datatype !== 'BYTES') throw bad(`input '${input.name}' has datatype ${input.datatype}; encoded images are BYTES`);
  const values = flatten(input);
  if (input.shape.length !== 1 || input.shape[0] !== values.length) {
    throw bad(`input '${input.name}' has shape [${input.shape.join(', ')}] for ${values.length} elements; expected [${values.length}]`);
  }
  return values.map((v) =>
    typeof v === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(v) && v.length > 0
      ? { kind: 'image', bytes: Buffer.from(v, 'base64') }
      : bad('each BYTES element is a base64-encoded image file'),
  );
}

function v2Errors(scope: FastifyInstance): void {
  scope.setErrorHandler((err, request, reply) => {
    const problem = toHttpProblem(err);
    if (!problem) request.log.error({ err }, 'unhandled error');
    const status = problem?.status ?? 500;
    const message = problem ? `${problem.code}: ${problem.detail ?? problem.message}` : 'internal error';
    return reply
      .code(status)
      .headers(problem?.headers ?? {})
      .send({ error: message });
  });
}

/** Health and server metadata: open like the other probes. */
export const v2HealthRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  v2Errors(app);
  const tags = ['open inference protocol'];
  app.get('/v2', { schema: { tags, summary: 'Server metadata' } }, async () => ({
    name: 'digit-serve',
    version: SERVICE_VERSION,
    extensions: [],
  }));
  app.get('/v2/health/live', { schema: { tags, summary: 'Server live' } }, async () => ({ live: true }));
  app.get(
    '/v2/health/ready',
    { schema: { tags, summary: 'Server ready', response: { 200: z.object({ ready: z.boolean() }), 503: V2Error } } },
    async () => {
      if (!app.readiness.ready) throw new HttpProblem('not_ready', app.readiness.reason);
      return { ready: true };
    },
  );
};

/** Model metadata, readiness and inference: behind the same keys and load shedding as /predict. */
export const v2ModelRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  v2Errors(app);
  const tags = ['open inference protocol'];
  const { config } = app;
  const Params = z.object({ model: z.string() });
  /** The registry's model this protocol name stands for. */
  const modelNamed = (name: string) => {
    if (name !== V2_MODEL_NAME) throw new HttpProblem('not_found', `unknown model '${name}'; this server serves '${V2_MODEL_NAME}'`);
    return app.models.default;
  };

  app.get(
    '/v2/models/:model',
    { schema: { tags, summary: 'Model metadata', params: Params, response: { 200: ModelMetadata, 404: V2Error } } },
    async (request) => {
      const served = modelNamed(request.params.model);
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
    },
  );

  app.get(
    '/v2/models/:model/ready',
    {
      schema: {
        tags,
        summary: 'Model ready',
        params: Params,
        response: { 200: z.object({ name: z.string(), ready: z.boolean() }), 404: V2Error, 503: V2Error },
      },
    },
    async (request) => {
      modelNamed(request.params.model);
      if (!app.readiness.ready) throw new HttpProblem('not_ready', app.readiness.reason);
      return { name: V2_MODEL_NAME, ready: true };
    },
  );

  app.post(
    '/v2/models/:model/infer',
    {
      schema: {
        tags,
        summary: 'Inference: FP32 pixels [n, 784] and/or BYTES base64 images [n] -> probabilities [n, 10], predictions [n]',
        params: Params,
        response: { 200: InferenceResponse, 400: V2Error, 404: V2Error, 413: V2Error, 503: V2Error },
      },
    },
    async (request) => {
      const served = modelNamed(request.params.model);
      // one request's work per turn of the loop, as the other inference routes (turns.ts)
      await takeTurn();
      const parsed = InferenceRequest.safeParse(request.body);
      if (!parsed.success) throw bad(describeIssues(parsed.error, { root: 'body', input: request.body }));
      const { id, inputs, outputs } = parsed.data;
      const items = inputs.flatMap((input) => (input.datatype === 'BYTES' ? imageItems(input) : pixelItems(input)));
      if (items.length > config.MAX_BATCH_FILES) {
        throw new HttpProblem('too_many_images', `${items.length} items; at most ${config.MAX_BATCH_FILES} per request`);
      }
      const results = await served.predictor.predictMany(items, { preprocess: 'auto', debug: false });
      const failed = results.findIndex((r) => r instanceof HttpProblem);
      // a tensor is all or nothing: the protocol has no per-item errors
      if (failed >= 0) {
        const problem = results[failed] as HttpProblem;
        throw new HttpProblem(problem.code, `item ${failed}: ${problem.detail ?? problem.message}`);
      }
      const predictions = results as Exclude<(typeof results)[number], HttpProblem>[];
      const n = predictions.length;
      const k = served.labels.length;
      const all = new Map([
        [
          PROBABILITIES_OUTPUT,
          { name: PROBABILITIES_OUTPUT, shape: [n, k], datatype: 'FP32', data: predictions.flatMap((p) => p.probabilities) },
        ],
        [PREDICTIONS_OUTPUT, { name: PREDICTIONS_OUTPUT, shape: [n], datatype: 'INT64', data: predictions.map((p) => p.prediction) }],
      ]);
      const wanted = outputs?.map((o) => o.name) ?? [...all.keys()];
      // a Map, not an object: 'toString' or '__proto__' must not name an output
      const unknown = wanted.filter((name) => !all.has(name));
      if (unknown.length) throw bad(`unknown output(s) ${unknown.join(', ')}; this model has ${[...all.keys()].join(', ')}`);
      return {
        model_name: V2_MODEL_NAME,
        ...(id === undefined ? {} : { id }),
        outputs: wanted.map((name) => all.get(name)!),
      };
    },
  );
};
