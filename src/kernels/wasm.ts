/**
 * The WebAssembly modules built from assembly/ (npm run build:kernels writes dist/pixels.wasm
 * and dist/model.wasm; the build, test and bench scripts run it first), each read and compiled
 * on first use, so importing a module that runs a kernel reads no file.
 */
import { readFileSync } from 'node:fs';

/** The part of the WebAssembly API used here (TypeScript's ES libraries do not declare it; Node has it). */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
};

export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

export type KernelModule = 'pixels' | 'model';

const compiled = new Map<KernelModule, object>();

function compile(name: KernelModule): object {
  // src/ and dist/ both sit in the package, which holds dist/<name>.wasm
  const file = new URL(`../../dist/${name}.wasm`, import.meta.url);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new Error(`the WebAssembly kernels are not built (${file.pathname}): run npm run build:kernels`, { cause: err });
  }
  return new WebAssembly.Module(bytes);
}

/** A new instance of the module, with a memory of its own: its exports. */
export function instantiate<Exports>(name: KernelModule, env: Record<string, () => never>): Exports {
  let module = compiled.get(name);
  if (module === undefined) compiled.set(name, (module = compile(name)));
  return new WebAssembly.Instance(module, { env: { abort: kernelAbort, ...env } }).exports as Exports;
}

/** AssemblyScript's abort(), reached only by a bug in a kernel (they are built without assertions). */
function kernelAbort(): never {
  throw new Error('a WebAssembly kernel aborted');
}

const PAGE = 65536;

export function alignUp(offset: number, to: number): number {
  return Math.ceil(offset / to) * to;
}

/** The memory grown to hold `end` bytes at least (growing detaches every earlier view of it). */
export function growTo(memory: WasmMemory, end: number): void {
  const missing = end - memory.buffer.byteLength;
  if (missing > 0) memory.grow(Math.ceil(missing / PAGE));
}
