/**
 * A model as the service serves it: its weights (kept resident for the kernels), its labels,
 * the preprocessing profile its inputs go through, what reads one picture (the predictor) and a
 * line of digits (the reader), its eval set and the labels its metrics carry. Built by one
 * function, held by the registry (registry.ts); the routes never hold a model of their own.
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import type { Config } from '../config.js';
import type { ModelLabels } from '../http/metrics.js';
import { holdoutFiles } from '../data/holdout-files.js';
import { loadEmbeddedHoldout, loadMnistTestSet, type EvalSet } from '../eval/dataset.js';
import { EvalJob, type EvalReport } from '../eval/job.js';
import type { Limiter } from '../inference/limiter.js';
import { Predictor } from '../inference/predictor.js';
import { Reader } from '../inference/reader.js';
import { residentMlp } from '../model/mlp.js';
import { loadWeights } from '../model/weights/load.js';
import { WeightsError, type LoadedModel, type ModelInfo } from '../model/weights/types.js';
import type { DecodeLimits } from '../preprocess/decode.js';
import { INPUT_SIZE } from '../preprocess/tensor.js';
import { NOT_A_DIGIT } from '../read/classifier-cuts.js';

/** how a model's pictures become its inputs: `digits` is MNIST's normalisation and the no-digit rule */
export type PreprocessingProfile = 'digits';

/** Which model answered, as every answer, log line and metric names it. */
export const ModelRef = z.object({
  name: z.string(),
  version: z.string().describe("the model's version: its repository folder, or the first 12 hex digits of its sha256"),
  sha256: z.string().describe('sha256 of the weights file that answered'),
});
export type ModelRef = z.infer<typeof ModelRef>;

export interface ServedModel {
  readonly ref: ModelRef;
  readonly info: ModelInfo;
  /** what each class means, in class order */
  readonly labels: readonly string[];
  /** what its metrics are labelled with */
  readonly metricLabels: ModelLabels;
  readonly profile: PreprocessingProfile;
  readonly predictor: Predictor;
  readonly reader: Reader;
  /** undefined when the model has no labelled set to be scored on */
  readonly evalJob: EvalJob | undefined;
  /** one forward pass, so the first request does not pay for compiling the kernels' paths */
  warmUp(): Promise<void>;
  /** frees the resident weights; the model answers nothing after */
  release(): void;
}

/** What every model of the process shares. */
export interface ModelSeat {
  readonly config: Config;
  readonly decodeLimits: DecodeLimits;
  /** one set of decode slots and one pixel budget for every model and route */
  readonly decodeSlots: Limiter;
  /** told of every new eval report */
  readonly onEvalReport: (model: ServedModel, report: EvalReport) => void;
}

export interface PreloadedWeights {
  /** the digit model (tests share one instead of reading the file per app) */
  readonly model?: LoadedModel;
  /** the parts model /read cuts touching digits with */
  readonly parts?: LoadedModel;
}

const DIGIT_LABELS = Array.from({ length: 10 }, (_, d) => String(d));

/**
 * Where a model comes from: its weights file, and, from a repository, its name and version
 * (else the name its metadata gives and the first 12 hex digits of its sha256).
 */
export interface ModelSource {
  readonly file: string;
  readonly name?: string;
  readonly version?: string;
}

/** A digit model and its reader's parts model PARTS_WEIGHTS, checked and made resident. */
export async function loadDigitModel(seat: ModelSeat, source: ModelSource, preloaded: PreloadedWeights = {}): Promise<ServedModel> {
  const { config } = seat;
  const loaded = preloaded.model ?? (await loadWeights(source.file));
  checkShape(loaded, DIGIT_LABELS.length, 'this service');
  const parts = preloaded.parts ?? (await loadWeights(config.PARTS_WEIGHTS));
  checkShape(parts, NOT_A_DIGIT + 1, 'the parts model (PARTS_WEIGHTS)');
  const resident = residentMlp(loaded.mlp);
  const model: LoadedModel = { ...loaded, mlp: resident.mlp };
  const ref = {
    name: source.name ?? model.info.name,
    version: source.version ?? model.info.sha256.slice(0, 12),
    sha256: model.info.sha256,
  };
  const predictor = new Predictor(model, seat.decodeLimits, seat.decodeSlots);
  const evalSet = evalSetOf(config, model.info);
  const served: ServedModel = {
    ref,
    info: model.info,
    labels: DIGIT_LABELS,
    metricLabels: { model: ref.name, version: ref.version },
    profile: 'digits',
    predictor,
    reader: new Reader(model, parts.mlp, seat.decodeLimits, seat.decodeSlots, config.MAX_READ_DIGITS),
    evalJob: evalSet && new EvalJob(model, evalSet, (report) => seat.onEvalReport(served, report), ref),
    warmUp: async () => {
      await predictor.predictOne({ kind: 'tensor', pixels: new Float32Array(INPUT_SIZE) }, { preprocess: 'auto', debug: false });
    },
    release: () => resident.release(),
  };
  return served;
}

/** Each network maps 784 pixels to a fixed number of classes; any other is a configuration mistake. */
function checkShape(model: LoadedModel, wanted: number, what: string): void {
  const { inputSize, classes } = model.mlp;
  if (inputSize !== INPUT_SIZE || classes !== wanted) {
    throw new WeightsError(
      model.info.file,
      `the network maps ${inputSize} inputs to ${classes} classes; ${what} needs ${INPUT_SIZE} -> ${wanted}`,
    );
  }
}

/** The official test set when MNIST_DIR is set, else the held-out digits shipped with the weights, if any. */
function evalSetOf(config: Config, info: ModelInfo): (() => Promise<EvalSet>) | undefined {
  if (config.MNIST_DIR) return () => loadMnistTestSet(config.MNIST_DIR!);
  const holdout = info.metadata.holdout;
  if (holdout !== undefined && existsSync(holdoutFiles(info.file).images)) {
    return () => loadEmbeddedHoldout(info.file, holdout);
  }
  return undefined;
}
