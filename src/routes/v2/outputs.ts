/**
 * The outputs a request asks for, by name, and the response tensors: in the JSON, or in the
 * binary part when the output's `binary_data` (or the request's `binary_data_output`) says so.
 */
import type { ClassPrediction } from '../../model/predict.js';
import { clip, listSome } from '../../one-line.js';
import { HttpProblem } from '../../http/problem.js';
import { fp32Bytes, int64Bytes } from './binary.js';
import { PREDICTIONS_OUTPUT, PROBABILITIES_OUTPUT, type InferenceRequest, type ResponseOutput } from './schemas.js';

const OUTPUT_NAMES: readonly string[] = [PROBABILITIES_OUTPUT, PREDICTIONS_OUTPUT];

export interface WantedOutput {
  readonly name: string;
  readonly binary: boolean;
}

const bad = (detail: string) => new HttpProblem('invalid_input', detail);

/** The outputs to answer, in the order asked (all of them when none are named). */
export function wantedOutputs(request: InferenceRequest, classes: number): WantedOutput[] {
  const everyBinary = request.parameters?.binary_data_output ?? false;
  const asked = request.outputs ?? OUTPUT_NAMES.map((name) => ({ name, parameters: undefined }));
  // an array, not an object's keys: 'toString' or '__proto__' must not name an output
  const unknown = asked.map((o) => o.name).filter((name) => !OUTPUT_NAMES.includes(name));
  if (unknown.length) {
    const accepted = `'${PROBABILITIES_OUTPUT}' (FP32 [n, ${classes}]) and '${PREDICTIONS_OUTPUT}' (INT64 [n])`;
    throw bad(`unknown output(s) ${listSome(unknown.map((n) => `'${n}'`))}; this model has ${accepted}`);
  }
  for (const output of asked) {
    // Triton's top-k classification answers a different tensor than the one named: never silently the raw one
    if (output.parameters?.classification !== undefined) {
      throw bad(`output '${clip(output.name)}': the classification parameter is not supported; ask for '${PROBABILITIES_OUTPUT}'`);
    }
  }
  return asked.map((output) => ({ name: output.name, binary: output.parameters?.binary_data ?? everyBinary }));
}

/** The response's output tensors, and the bytes of those sent in the binary part, in the same order. */
export function outputTensors(
  wanted: readonly WantedOutput[],
  predictions: readonly ClassPrediction[],
  classes: number,
): { outputs: ResponseOutput[]; parts: Buffer[] } {
  const n = predictions.length;
  const parts: Buffer[] = [];
  const outputs = wanted.map(({ name, binary }): ResponseOutput => {
    const [shape, datatype, data, encode] =
      name === PROBABILITIES_OUTPUT
        ? ([[n, classes], 'FP32', predictions.flatMap((p) => p.probabilities), fp32Bytes] as const)
        : ([[n], 'INT64', predictions.map((p) => p.prediction), int64Bytes] as const);
    if (!binary) return { name, shape: [...shape], datatype, data };
    const bytes = encode(data);
    parts.push(bytes);
    return { name, shape: [...shape], datatype, parameters: { binary_data_size: bytes.length } };
  });
  return { outputs, parts };
}
