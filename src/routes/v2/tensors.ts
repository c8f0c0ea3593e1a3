/**
 * Input tensors -> the model's input items. Inputs are matched by name, as the protocol has it:
 * `pixels` (FP32 in 0..1, or UINT8 in 0..255, [n, 784] or [n, 28, 28]) and `images` (BYTES [n],
 * each element an image file). Data comes from the JSON (`data`, flat or nested) or from the
 * binary part (binary.ts).
 */
import { clip, thousands } from '../../one-line.js';
import { HttpProblem } from '../../http/problem.js';
import type { InputItem, ItemOrProblem } from '../../http/inputs.js';
import { INPUT_SIZE } from '../../preprocess/tensor.js';
import { bytesElements } from './binary.js';
import { IMAGES_INPUT, PIXELS_INPUT, type RequestInput } from './schemas.js';

/** What each input name takes, as a refusal lists it. */
const ACCEPTED = `'${PIXELS_INPUT}' (FP32 in 0..1 or UINT8 in 0..255, shaped [n, ${INPUT_SIZE}] or [n, 28, 28]) and '${IMAGES_INPUT}' (BYTES [n], image files)`;
const UINT8_MAX = 255;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

const bad = (detail: string) => new HttpProblem('invalid_input', detail);
const shapeText = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/** The items of every input, in the order the inputs are given; `binary[i]` is input i's bytes of the binary part, if any. */
export function inputItems(
  inputs: readonly RequestInput[],
  binary: readonly (Buffer | undefined)[],
  maxFileBytes: number,
): ItemOrProblem[] {
  const seen = new Set<string>();
  for (const { name } of inputs) {
    if (name !== PIXELS_INPUT && name !== IMAGES_INPUT) throw bad(`unknown input '${clip(name)}'; this model takes ${ACCEPTED}`);
    if (seen.has(name)) throw bad(`input '${name}' is given twice`);
    seen.add(name);
  }
  return inputs.flatMap((input, i) =>
    input.name === PIXELS_INPUT ? pixelItems(input, binary[i]) : imageItems(input, binary[i], maxFileBytes),
  );
}

/**
 * The tensor's elements in row-major order: `data` is flat or nested as the shape says (the
 * protocol allows either). Walked with an explicit stack and never deeper than the shape, so
 * a hostile nesting depth is a client error rather than a stack overflow.
 */
function flatten(input: RequestInput): unknown[] {
  const maxDepth = Math.max(1, input.shape.length);
  const values: unknown[] = [];
  const stack: Array<{ items: readonly unknown[]; next: number }> = [{ items: input.data ?? [], next: 0 }];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    if (frame.next === frame.items.length) {
      stack.pop();
      continue;
    }
    const item = frame.items[frame.next++];
    if (!Array.isArray(item)) {
      values.push(item);
    } else if (stack.length === maxDepth) {
      throw bad(`input '${input.name}': data is nested deeper than its shape ${shapeText(input.shape)}`);
    } else {
      stack.push({ items: item, next: 0 });
    }
  }
  return values;
}

/** n of a [n, 784] (or [n, 28, 28], [n, 1, 28, 28]) pixels tensor. */
function pixelCount(input: RequestInput): number {
  const [n, ...rest] = input.shape;
  if (n === undefined || rest.reduce((a, b) => a * b, 1) !== INPUT_SIZE) {
    throw bad(`input '${input.name}' has shape ${shapeText(input.shape)}; expected [n, ${INPUT_SIZE}] or [n, 28, 28]`);
  }
  return n;
}

function pixelItems(input: RequestInput, raw: Buffer | undefined): InputItem[] {
  const { datatype } = input;
  if (datatype !== 'FP32' && datatype !== 'UINT8') {
    throw bad(`input '${input.name}' has datatype ${clip(datatype)}; it takes FP32 (values in 0..1) or UINT8 (values in 0..255)`);
  }
  const n = pixelCount(input);
  const all = raw === undefined ? pixelsFromJson(input, n) : pixelsFromBinary(input, raw, n);
  // a row of a tensor is the model's input as given: the protocol answers every row, blank or not
  return Array.from({ length: n }, (_, i) => ({ kind: 'tensor', pixels: all.subarray(i * INPUT_SIZE, (i + 1) * INPUT_SIZE) }));
}

/** FP32 out of 0..1 is refused, not clipped: most often it is a 0..255 image sent as floats. */
function outOfRange(input: RequestInput, index: number, value: unknown): HttpProblem {
  return bad(
    `input '${input.name}': FP32 pixels are in 0..1, element ${index} is ${clip(String(value))}; ` +
      'send 0..255 images as UINT8, or divide them by 255',
  );
}

function pixelsFromJson(input: RequestInput, n: number): Float32Array {
  const values = flatten(input);
  if (values.length !== n * INPUT_SIZE) throw bad(`input '${input.name}' holds ${values.length} values; its shape needs ${n * INPUT_SIZE}`);
  const pixels = new Float32Array(values.length);
  values.forEach((v, i) => {
    if (input.datatype === 'UINT8') {
      if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > UINT8_MAX) {
        throw bad(`input '${input.name}': UINT8 pixels are integers in 0..255, element ${i} is ${clip(JSON.stringify(v) ?? String(v))}`);
      }
      pixels[i] = (v as number) / UINT8_MAX;
    } else {
      if (typeof v !== 'number')
        throw bad(`input '${input.name}': FP32 data holds numbers, element ${i} is ${clip(JSON.stringify(v) ?? String(v))}`);
      if (!(v >= 0 && v <= 1)) throw outOfRange(input, i, v);
      pixels[i] = v;
    }
  });
  return pixels;
}

function pixelsFromBinary(input: RequestInput, raw: Buffer, n: number): Float32Array {
  const width = input.datatype === 'FP32' ? 4 : 1;
  if (raw.length !== n * INPUT_SIZE * width) {
    throw bad(`input '${input.name}' is ${raw.length} bytes; ${input.datatype} ${shapeText(input.shape)} is ${n * INPUT_SIZE * width}`);
  }
  const pixels = new Float32Array(n * INPUT_SIZE);
  for (let i = 0; i < pixels.length; i++) {
    const v = width === 4 ? raw.readFloatLE(i * 4) : raw[i]! / UINT8_MAX;
    if (!(v >= 0 && v <= 1)) throw outOfRange(input, i, v);
    pixels[i] = v;
  }
  return pixels;
}

/** A [n] BYTES tensor of image files -> n image items (a bad element is that item's problem). */
function imageItems(input: RequestInput, raw: Buffer | undefined, maxFileBytes: number): ItemOrProblem[] {
  if (input.datatype !== 'BYTES') throw bad(`input '${input.name}' has datatype ${clip(input.datatype)}; image files are BYTES`);
  const [n, ...rest] = input.shape;
  if (n === undefined || rest.length > 0) throw bad(`input '${input.name}' has shape ${shapeText(input.shape)}; expected [n]`);
  const files = raw === undefined ? filesFromJson(input, n) : bytesElements(raw, n, input.name).map(fileFromBinary);
  return files.map((file) => {
    if (file instanceof HttpProblem) return file;
    if (file.length > maxFileBytes) {
      return new HttpProblem(
        'image_too_large',
        `the image file is larger than ${thousands(maxFileBytes)} bytes (the server's MAX_FILE_BYTES)`,
      );
    }
    return { kind: 'image', bytes: file };
  });
}

/** JSON cannot carry bytes: each element is the file, base64-encoded. */
function filesFromJson(input: RequestInput, n: number): (Buffer | HttpProblem)[] {
  const values = flatten(input);
  if (values.length !== n) throw bad(`input '${input.name}' has shape [${n}] for ${values.length} elements`);
  return values.map((v) =>
    typeof v === 'string' && BASE64.test(v) ? Buffer.from(v, 'base64') : bad('each BYTES element is a base64-encoded image file'),
  );
}

/**
 * The binary part carries the file itself; base64 text is taken too, since a client that
 * encodes its files for JSON sends the same array either way. Every accepted image format holds
 * bytes outside the base64 alphabet (in its signature, its sizes or its trailer), so a file is
 * never taken for base64 text.
 */
function fileFromBinary(element: Buffer): Buffer {
  const text = element.toString('latin1');
  return BASE64.test(text) ? Buffer.from(text, 'base64') : element;
}
