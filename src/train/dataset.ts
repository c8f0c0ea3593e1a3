/** Labelled images, one row of `images` per digit: images (count, 784) as pixel / 255. */
export interface Dataset {
  readonly images: Float32Array;
  readonly labels: Uint8Array;
  readonly count: number;
}

/** The rows `indices` of `data`, in that order. */
export function subset(data: Dataset, indices: ArrayLike<number>): Dataset {
  const d = data.images.length / Math.max(1, data.count);
  const images = new Float32Array(indices.length * d);
  const labels = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const row = indices[i]!;
    images.set(data.images.subarray(row * d, (row + 1) * d), i * d);
    labels[i] = data.labels[row]!;
  }
  return { images, labels, count: indices.length };
}
