/**
 * The host's leave(): it throws (src/kernels/pixels.ts, `refuse`), so a kernel that meets an
 * input it cannot read stops there and the host decides what the input becomes.
 */

@external('env', 'leave')
declare function hostLeave(): void;

export function leave(): void {
  hostLeave();
  unreachable();
}
