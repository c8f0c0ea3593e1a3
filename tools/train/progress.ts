import type { EpochReport } from './trainer.js';

export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/**
 * Training progress on a stream (stderr, so stdout stays clean for results): on a terminal one
 * line rewritten in place, elsewhere (CI logs, files) one plain line per epoch.
 */
export class Progress {
  private live = false;

  constructor(private readonly stream: ProgressStream) {}

  epoch(r: EpochReport): void {
    const line = formatEpoch(r);
    if (this.stream.isTTY) {
      // \r returns to the line start, ESC[K erases what a longer previous line left behind
      this.stream.write(`\r${line}\x1b[K`);
      this.live = true;
    } else {
      this.stream.write(`${line}\n`);
    }
  }

  /** Ends the rewritten line so later output starts on a fresh one. */
  done(): void {
    if (this.live) this.stream.write('\n');
    this.live = false;
  }
}

export function formatEpoch(r: EpochReport): string {
  const width = String(r.epochs).length;
  const heldout = r.heldoutAccuracy === null ? '' : `  held-out ${(100 * r.heldoutAccuracy).toFixed(2)}%`;
  const left = (r.elapsedMs / r.epoch) * (r.epochs - r.epoch);
  return (
    `epoch ${String(r.epoch).padStart(width)}/${r.epochs}  loss ${r.loss.toFixed(4)}${heldout}` +
    `  ${formatDuration(r.elapsedMs)} elapsed, ${formatDuration(left)} left`
  );
}

/** 75_300 ms -> "1m15s"; under a minute "9.4s". */
export function formatDuration(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const whole = Math.round(s);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const sec = String(whole % 60).padStart(2, '0');
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m${sec}s` : `${m}m${sec}s`;
}
