/** Reads of typed entries in memory, shared by the kernels (inlined where they are called). */

/** The `i`th T at `base`, as f64. */
@inline
export function valueAt<T>(base: usize, i: i32): f64 {
  return <f64>load<T>(base + (<usize>i << alignof<T>()));
}

/** The `i`th i32 at `base`. */
@inline
export function i32At(base: usize, i: i32): i32 {
  return load<i32>(base + (<usize>i << 2));
}
