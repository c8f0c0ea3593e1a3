/** A one-channel image as plain typed arrays: row-major, `width * height` values. */
export interface Plane<T extends Uint8Array | Float32Array = Uint8Array> {
  readonly width: number;
  readonly height: number;
  readonly data: T;
}

/** Inclusive pixel bounds of the ink. */
export interface Box {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}
