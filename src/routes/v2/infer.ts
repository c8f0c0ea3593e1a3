/**
 * POST /v2/models/{model}[/versions/{version}]/infer: named input tensors -> one batch through
 * the model -> the requested output tensors, in JSON or in the binary part (binary.ts).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { HttpProblem } from '../../http/problem.js';
import { takeTurn } from '../../inference/turns.js';
import type { ItemOrProblem } from '../../http/inputs.js';
import type { ClassPrediction } from '../../model/predict.js';
import type { ServedModel } from '../../models/served-model.js';
import { describeIssues } from '../../one-line.js';
import { binaryInputs, binaryResponse, HEADER_LENGTH, OCTET_STREAM, SAGEMAKER_BINARY } from './binary.js';
import { receivedBody, registerInferBodies } from './body.js';
import { servedAt } from './model.js';
import { usingModel } from '../model-choice.js';
import { outputTensors, wantedOutputs } from './outputs.js';
import { InferenceRequest, InferenceResponse, ModelParams, V2_TAGS, V2Error, VersionParams } from './schemas.js';
import { inputItems } from './tensors.js';

/** The JSON header (Inference-Header-Content-Length bytes), then the binary outputs' bytes. */
const BinaryAnswer = z.custom<Buffer>((value) => Buffer.isBuffer(value)).meta({ type: 'string', format: 'binary' });

const SUMMARY =
  'Inference: pixels (FP32 in 0..1 or UINT8, [n, 784] or [n, 28, 28]) and/or images (BYTES [n], image files) -> probabilities [n, 10], predictions [n]';

/** All of the model's answers, or the first item's problem: the protocol has no per-item errors. */
async function predictAll(served: ServedModel, items: readonly ItemOrProblem[]): Promise<ClassPrediction[]> {
  const results = await served.predictor.predictMany(items, { preprocess: 'auto', debug: false });
  const failed = results.findIndex((r) => r instanceof HttpProblem);
  if (failed >= 0) {
    const problem = results[failed] as HttpProblem;
    throw new HttpProblem(problem.code, `item ${failed}: ${problem.detail ?? problem.message}`, {}, problem.headers);
  }
  return results as ClassPrediction[];
}

export const inferRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { config } = app;
  registerInferBodies(app, config);
  const response = {
    200: {
      description: 'the outputs in JSON; with any output in the binary part, the JSON header and then its bytes',
      content: { 'application/json': { schema: InferenceResponse }, [OCTET_STREAM]: { schema: BinaryAnswer } },
    },
    400: V2Error,
    404: V2Error,
    413: V2Error,
    415: V2Error,
    422: V2Error,
    503: V2Error,
  };
  const paths = [
    ['/v2/models/:model/infer', ModelParams],
    ['/v2/models/:model/versions/:version/infer', VersionParams],
  ] as const;
  for (const [path, params] of paths) {
    app.post(path, { schema: { tags: V2_TAGS, summary: SUMMARY, params, response } }, async (request, reply) => {
      return usingModel(request, servedAt(app, request.params), async (served) => {
        // its work in a turn of the loop, as the other inference routes (turns.ts)
        await takeTurn();
        const body = receivedBody(request.body);
        const parsed = InferenceRequest.safeParse(body.json);
        if (!parsed.success) throw new HttpProblem('invalid_input', describeIssues(parsed.error, { root: 'body', input: body.json }));
        const { id, inputs } = parsed.data;
        const items = inputItems(inputs, binaryInputs(inputs, body.binary), config.MAX_FILE_BYTES);
        if (items.length > config.MAX_BATCH_FILES) {
          throw new HttpProblem('too_many_images', `${items.length} items; at most ${config.MAX_BATCH_FILES} per request`);
        }
        const wanted = wantedOutputs(parsed.data, served.labels.length);
        const predictions = await predictAll(served, items);
        const { outputs, parts } = outputTensors(wanted, predictions, served.labels.length);
        const answer = {
          model_name: request.params.model,
          model_version: served.ref.version,
          ...(id === undefined ? {} : { id }),
          outputs,
        };
        if (parts.length === 0) return answer;
        const { body: bytes, headerLength } = binaryResponse(answer, parts);
        return reply
          .header(HEADER_LENGTH, headerLength)
          .type(body.sagemaker ? `${SAGEMAKER_BINARY};json-header-size=${headerLength}` : OCTET_STREAM)
          .send(bytes);
      });
    });
  }
};
