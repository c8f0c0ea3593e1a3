/**
 * The dense layer's affine map, x (n, inSize) @ W (inSize, outSize) + b -> out (n, outSize), as
 * the host's src/model/mlp.ts defines it: each row alone, zero inputs skipped, sums in f64 with
 * four inputs added per pass in the same order, rounded once to f32. Two outputs per f64x2
 * lane pair: each lane does the scalar operations, so the results are the same to the bit.
 */

/** `acc` is scratch for outSize f64, `nonZero` for inSize i32. */
export function affine(x: usize, n: i32, inSize: i32, outSize: i32, w: usize, b: usize, out: usize, acc: usize, nonZero: usize): void {
  const pairs = outSize & ~1;
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < outSize; j++) store<f64>(acc + (<usize>j << 3), <f64>load<f32>(b + (<usize>j << 2)));
    const row = x + (<usize>(r * inSize) << 2);
    let m = 0;
    for (let k = 0; k < inSize; k++) {
      if (load<f32>(row + (<usize>k << 2)) != 0) {
        store<i32>(nonZero + (<usize>m << 2), k);
        m++;
      }
    }
    let t = 0;
    for (; t + 3 < m; t += 4) {
      const k0 = load<i32>(nonZero + (<usize>t << 2));
      const k1 = load<i32>(nonZero + (<usize>(t + 1) << 2));
      const k2 = load<i32>(nonZero + (<usize>(t + 2) << 2));
      const k3 = load<i32>(nonZero + (<usize>(t + 3) << 2));
      const x0 = <f64>load<f32>(row + (<usize>k0 << 2));
      const x1 = <f64>load<f32>(row + (<usize>k1 << 2));
      const x2 = <f64>load<f32>(row + (<usize>k2 << 2));
      const x3 = <f64>load<f32>(row + (<usize>k3 << 2));
      const w0 = w + (<usize>(k0 * outSize) << 2);
      const w1 = w + (<usize>(k1 * outSize) << 2);
      const w2 = w + (<usize>(k2 * outSize) << 2);
      const w3 = w + (<usize>(k3 * outSize) << 2);
      const v0 = f64x2.splat(x0);
      const v1 = f64x2.splat(x1);
      const v2 = f64x2.splat(x2);
      const v3 = f64x2.splat(x3);
      let j = 0;
      for (; j < pairs; j += 2) {
        const at = acc + (<usize>j << 3);
        const o = <usize>j << 2;
        let s = v128.load(at);
        s = f64x2.add(s, f64x2.mul(v0, f64x2.promote_low_f32x4(v128.load64_zero(w0 + o))));
        s = f64x2.add(s, f64x2.mul(v1, f64x2.promote_low_f32x4(v128.load64_zero(w1 + o))));
        s = f64x2.add(s, f64x2.mul(v2, f64x2.promote_low_f32x4(v128.load64_zero(w2 + o))));
        s = f64x2.add(s, f64x2.mul(v3, f64x2.promote_low_f32x4(v128.load64_zero(w3 + o))));
        v128.store(at, s);
      }
      for (; j < outSize; j++) {
        const at = acc + (<usize>j << 3);
        const o = <usize>j << 2;
        store<f64>(
          at,
          load<f64>(at) + x0 * <f64>load<f32>(w0 + o) + x1 * <f64>load<f32>(w1 + o) + x2 * <f64>load<f32>(w2 + o) + x3 * <f64>load<f32>(w3 + o),
        );
      }
    }
    for (; t < m; t++) {
      const k = load<i32>(nonZero + (<usize>t << 2));
      const xk = <f64>load<f32>(row + (<usize>k << 2));
      const wk = w + (<usize>(k * outSize) << 2);
      for (let j = 0; j < outSize; j++) {
        const at = acc + (<usize>j << 3);
        store<f64>(at, load<f64>(at) + xk * <f64>load<f32>(wk + (<usize>j << 2)));
      }
    }
    const o = out + (<usize>(r * outSize) << 2);
    for (let j = 0; j < outSize; j++) store<f32>(o + (<usize>j << 2), <f32>load<f64>(acc + (<usize>j << 3)));
  }
}
