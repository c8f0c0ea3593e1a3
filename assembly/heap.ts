/**
 * Where the host may start laying out its buffers: past the module's own data. The kernels
 * never allocate (the stub runtime, and their own scratch is static, memory.data): everything
 * above is the host's.
 */
export function heapBase(): usize {
  return __heap_base;
}
