/** 784 values in 0..1 holding a digit, as JSON `pixels` are sent: a vertical stroke (a 1), white on black. */
export function strokePixels(): number[] {
  const pixels = new Array<number>(784).fill(0);
  for (let row = 6; row < 22; row++) pixels[row * 28 + 14] = 1;
  return pixels;
}
