/**
 * The /eval result: computed once in the background at start-up, cached, recomputed on demand.
 * Concurrent callers share one computation instead of each starting their own.
 */
import { z } from 'zod';
import type { LoadedModel } from '../model/weights/types.js';
import { DatasetInfo, type EvalSet } from './dataset.js';
import { evaluateInTurns, Scores } from './evaluate.js';

export const EvalReport = Scores.extend({
  status: z.literal('ok'),
  dataset: DatasetInfo,
  model: z.object({ name: z.string(), version: z.string(), sha256: z.string() }),
  computedAt: z.string().describe('ISO 8601 time the evaluation finished'),
  durationMs: z.number().describe('wall time of the evaluation, dataset loading included when it happened'),
});
export type EvalReport = z.infer<typeof EvalReport>;

export class EvalJob {
  private dataset: Promise<EvalSet> | undefined;
  private running: Promise<EvalReport> | undefined;
  private last: EvalReport | undefined;

  constructor(
    private readonly model: LoadedModel,
    private readonly loadDataset: () => Promise<EvalSet>,
    /** told of every new report (metrics, logs) */
    private readonly onReport: (report: EvalReport) => void,
    /** the model as the answer names it: its name and version as served */
    private readonly answeredBy: { readonly name: string; readonly version: string; readonly sha256: string },
  ) {}

  /** The cached report, or the one being computed; `refresh` starts a new computation unless one is running. */
  get(refresh = false): Promise<EvalReport> {
    if (this.running) return this.running;
    if (this.last && !refresh) return Promise.resolve(this.last);
    this.running = this.compute().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  get lastReport(): EvalReport | undefined {
    return this.last;
  }

  private async compute(): Promise<EvalReport> {
    const started = performance.now();
    // a failed load is retried on the next call rather than cached forever
    this.dataset ??= this.loadDataset().catch((err: unknown) => {
      this.dataset = undefined;
      throw err;
    });
    const set = await this.dataset;
    const scores = await evaluateInTurns(this.model.mlp, set);
    this.last = {
      status: 'ok',
      ...scores,
      dataset: set.info,
      model: this.answeredBy,
      computedAt: new Date().toISOString(),
      durationMs: Math.round((performance.now() - started) * 10) / 10,
    };
    this.onReport(this.last);
    return this.last;
  }
}
