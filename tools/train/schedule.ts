export interface Schedule {
  /** peak learning rate, reached at the end of the warm-up */
  readonly lr: number;
  /** learning rate at the last step */
  readonly minLr: number;
  readonly warmupSteps: number;
  readonly totalSteps: number;
}

/**
 * Linear warm-up (Adam's early moment estimates are noisy, so big first steps can throw
 * sigmoid units into saturation), then cosine decay from lr to minLr (Loshchilov & Hutter 2017,
 * SGDR without restarts): long at a high rate to explore, a gentle landing to settle.
 */
export function learningRate(step: number, s: Schedule): number {
  if (step < s.warmupSteps) return (s.lr * (step + 1)) / s.warmupSteps;
  const span = Math.max(1, s.totalSteps - s.warmupSteps - 1);
  const progress = Math.min(1, (step - s.warmupSteps) / span);
  return s.minLr + 0.5 * (s.lr - s.minLr) * (1 + Math.cos(Math.PI * progress));
}
