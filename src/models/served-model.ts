/**
 * A model as the service serves it: its weights (kept resident for the kernels), its labels,
 * the preprocessing profile its inputs go through, what reads one picture (the predictor) and,
 * for a digit model, a line of digits (the reader), its eval set and the labels its metrics
 * carry. Built by one function, held by the registry (registry.ts); the routes never hold a
 * model of their own, and use one only through `use`, so a version replaced or unloaded is
 * freed once the requests that chose it are done.
 */
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { Config } from '../config.js';
import type { ModelLabels } from '../http/metrics.js';
import { holdoutFiles } from '../data/holdout-files.js';
import { loadEmbeddedHoldout, loadMnistTestSet, loadTestSet, type EvalSet } from '../eval/dataset.js';
import { EvalJob, type EvalReport } from '../eval/job.js';
import type { Limiter } from '../inference/limiter.js';
import { Predictor } from '../inference/predictor.js';
import { Reader } from '../inference/reader.js';
import { residentMlp } from '../model/mlp.js';
import { loadWeights } from '../model/weights/load.js';
import { WeightsError, type LoadedModel, type ModelInfo } from '../model/weights/types.js';
import type { DecodeLimits } from '../preprocess/decode.js';
import { PreprocessingProfile } from '../preprocess/index.js';
import { INPUT_SIZE } from '../preprocess/tensor.js';
import { NOT_A_DIGIT } from '../read/classifier-cuts.js';
import { InUse } from './in-use.js';
import { CHECKSUM_FILE } from './repository.js';

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
  readonly profile: PreprocessingProfile;
  /** what its metrics are labelled with: its name and version, made once (every request reads it) */
  readonly metricLabels: ModelLabels;
  readonly predictor: Predictor;
  /** what reads a line of digits: a digit model's only */
  readonly reader: Reader | undefined;
  /** undefined when the model has no labelled set to be scored on */
  readonly evalJob: EvalJob | undefined;
  /** Run `work` while holding the model: it is not freed before `work` ends. */
  use<T>(work: () => Promise<T>): Promise<T>;
  /** one forward pass, so the first request does not pay for compiling the kernels' paths */
  warmUp(): Promise<void>;
  /** Frees the resident weights once every `use` has ended; the model answers nothing after. */
  retire(): Promise<void>;
}

/** What every model of the process shares. */
export interface ModelSeat {
  readonly config: Config;
  readonly decodeLimits: DecodeLimits;
  /** one set of decode slots and one pixel budget for every model and route */
  readonly decodeSlots: Limiter;
  /** the parts model every digit model's reader cuts touching digits with */
  readonly parts: LoadedModel;
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
 * Where a model comes from: its weights file, and, from a repository, its name and version and
 * the sha256 the file must have (else the name its metadata gives, the first 12 hex digits of
 * its sha256, and no check).
 */
export interface ModelSource {
  readonly file: string;
  readonly name?: string;
  readonly version?: string;
  readonly sha256?: string;
}

/** Refuses the parts model unless it maps 784 pixels to the ten digits and "not one digit". */
export function checkPartsModel(parts: LoadedModel): LoadedModel {
  checkShape(parts, NOT_A_DIGIT + 1, 'the parts model (PARTS_WEIGHTS)');
  return parts;
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

/** A model checked (its sha256, shapes, values, labels and profile) and made resident. */
export async function loadServedModel(seat: ModelSeat, source: ModelSource, preloaded?: LoadedModel): Promise<ServedModel> {
  const loaded = preloaded ?? (await loadWeights(source.file));
  if (source.sha256 !== undefined && source.sha256 !== loaded.info.sha256) {
    throw new WeightsError(source.file, `its sha256 is ${loaded.info.sha256}, but ${CHECKSUM_FILE} beside it says ${source.sha256}`);
  }
  const { labels, profile } = labelsAndProfile(loaded);
  const resident = residentMlp(loaded.mlp);
  const model: LoadedModel = { ...loaded, mlp: resident.mlp };
  const ref = {
    name: source.name ?? model.info.name,
    version: source.version ?? model.info.sha256.slice(0, 12),
    sha256: model.info.sha256,
  };
  const { config, decodeLimits, decodeSlots } = seat;
  const predictor = new Predictor(model, decodeLimits, decodeSlots, profile);
  const evalSet = evalSetOf(config, model.info, ref.name, profile);
  const inUse = new InUse();
  const served: ServedModel = {
    ref,
    info: model.info,
    labels,
    profile,
    metricLabels: { model: ref.name, version: ref.version },
    predictor,
    reader: profile === 'digits' ? new Reader(model, seat.parts.mlp, decodeLimits, decodeSlots, config.MAX_READ_DIGITS) : undefined,
    evalJob: evalSet && new EvalJob(model, evalSet, (report) => seat.onEvalReport(served, report), ref),
    use: (work) => inUse.during(work),
    warmUp: async () => {
      await predictor.predictOne({ kind: 'tensor', pixels: new Float32Array(INPUT_SIZE) }, { preprocess: 'auto', debug: false });
    },
    retire: async () => {
      await inUse.drained();
      resident.release();
    },
  };
  return served;
}

const Labels = z.array(z.string().min(1).max(100)).min(2);

/**
 * A model's labels and profile from its metadata (`labels`: a JSON array of class names;
 * `profile`), the digits and `digits` when it names neither, as the book's and our digit
 * weights do. Its last layer must have one class per label.
 */
function labelsAndProfile(model: LoadedModel): { labels: readonly string[]; profile: PreprocessingProfile } {
  const { metadata, file } = model.info;
  let labels = DIGIT_LABELS;
  if (metadata.labels !== undefined) {
    const parsed = Labels.safeParse(safeJson(metadata.labels));
    if (!parsed.success) throw new WeightsError(file, 'its metadata "labels" is not a JSON array of class names');
    labels = parsed.data;
  }
  const profile = PreprocessingProfile.safeParse(metadata.profile ?? 'digits');
  if (!profile.success) {
    throw new WeightsError(file, `its metadata "profile" must be one of ${PreprocessingProfile.options.join(', ')}`);
  }
  checkShape(model, labels.length, `a model of ${labels.length} labels`);
  return { labels, profile: profile.data };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * What /eval scores a model on: a test set in its own repository folder (t10k IDX files beside
 * model.safetensors), else, for a digit model, the official MNIST test set when MNIST_DIR is
 * set, else the held-out set shipped with its weights, if any.
 */
function evalSetOf(config: Config, info: ModelInfo, name: string, profile: PreprocessingProfile): (() => Promise<EvalSet>) | undefined {
  const folder = dirname(info.file);
  if (['t10k-images-idx3-ubyte', 't10k-images-idx3-ubyte.gz'].some((f) => existsSync(`${folder}/${f}`))) {
    return () => loadTestSet(folder, { name: `${name}-t10k`, description: `the test set in the model's repository folder` });
  }
  if (config.MNIST_DIR && profile === 'digits') return () => loadMnistTestSet(config.MNIST_DIR!);
  const holdout = info.metadata.holdout;
  if (holdout !== undefined && existsSync(holdoutFiles(info.file).images)) {
    return () => loadEmbeddedHoldout(info.file, holdout);
  }
  return undefined;
}
