/**
 * Reading what a client sent into input items, whatever the encoding: multipart file parts,
 * a raw image body, or JSON. Decoding and inference happen elsewhere.
 */
import type { FastifyRequest } from 'fastify';
import type { MultipartFile } from '@fastify/multipart';
import type { z } from 'zod';
import { IMAGE_SIDE, INPUT_SIZE } from '../preprocess/tensor.js';
import type { Config } from '../config.js';
import { boundaryOf, parsePlainForm, type FormLimits, type FormPart } from './form-data.js';
import { describeIssues } from '../one-line.js';
import { limitText } from './bodies.js';
import { HttpProblem } from './problem.js';
import { ImageInput, PixelsInput, PredictQuery, BatchJsonBody, type PredictOptions } from './input-schemas.js';
import { readWhole } from './whole-body.js';

/**
 * What a request gives to classify: an image file; `pixels`, a 28x28 picture as values (held to
 * the rule images are held to: no digit is a problem, not a guess); or `tensor`, a row of an
 * inference protocol's tensor, the model's input as given (the protocol answers every row).
 */
export type InputItem =
  | { readonly kind: 'image'; readonly bytes: Buffer }
  | { readonly kind: 'pixels'; readonly pixels: Float32Array }
  | { readonly kind: 'tensor'; readonly pixels: Float32Array };

/** An item that could not be read: its problem is reported in its place, the others go on. */
export type ItemOrProblem = InputItem | HttpProblem;

export interface UploadLimits {
  readonly maxBodyBytes: number;
  readonly maxFileBytes: number;
  /** multipart bodies up to this size, with a Content-Length, are read whole (form-data.ts) */
  readonly wholeFormBytes: number;
  /** @fastify/multipart's limits (app.ts registers it with them), which a form read whole must keep too */
  readonly form: FormLimits;
}

/** Text fields a form may carry besides its files (the options), and their longest value. */
const FORM_FIELDS = 20;
const FORM_FIELD_BYTES = 1024;

export function uploadLimits(config: Config): UploadLimits {
  return {
    maxBodyBytes: config.MAX_BODY_BYTES,
    maxFileBytes: config.MAX_FILE_BYTES,
    wholeFormBytes: config.WHOLE_FORM_BYTES,
    form: {
      parts: config.MAX_BATCH_FILES + FORM_FIELDS,
      files: config.MAX_BATCH_FILES,
      fields: FORM_FIELDS,
      fieldBytes: FORM_FIELD_BYTES,
      fileBytes: config.MAX_FILE_BYTES,
    },
  };
}

/** What a JSON item holds, for a body that is neither kind. */
const JSON_ITEM = `{"pixels": [${INPUT_SIZE} values in 0..1, or ${IMAGE_SIDE} rows of ${IMAGE_SIDE}]} or {"image": "<base64 or data URL>"}`;

export function parseJsonItem(value: unknown, limits: UploadLimits): InputItem {
  // the key says which kind was meant, so the problem is that kind's, not "matches neither"
  const kind =
    typeof value === 'object' && value !== null ? ('pixels' in value ? PixelsInput : 'image' in value ? ImageInput : undefined) : undefined;
  if (kind === undefined) throw new HttpProblem('invalid_input', `body: expected ${JSON_ITEM}`);
  const parsed = kind.safeParse(value);
  if (!parsed.success) throw new HttpProblem('invalid_input', describeIssues(parsed.error, { root: 'body', input: value }));
  if ('pixels' in parsed.data) return { kind: 'pixels', pixels: Float32Array.from(parsed.data.pixels.flat()) };
  const { image } = parsed.data;
  const bytes = Buffer.from(image.startsWith('data:') ? image.slice(image.indexOf(',') + 1) : image, 'base64');
  if (bytes.length > limits.maxFileBytes)
    throw new HttpProblem('image_too_large', `the image is larger than ${limitText(limits.maxFileBytes, 'MAX_FILE_BYTES')}`);
  return { kind: 'image', bytes };
}

/** Options from the query string (parsed by the route), overridden by multipart fields of the same name. */
export function predictOptions(query: z.output<typeof PredictQuery>, fields: Record<string, string>): PredictOptions {
  const parsed = PredictQuery.safeParse(fields);
  if (!parsed.success) throw new HttpProblem('invalid_input', describeIssues(parsed.error, { root: 'fields', input: fields }));
  return { preprocess: parsed.data.preprocess ?? query.preprocess ?? 'auto', debug: parsed.data.debug ?? query.debug ?? false };
}

/** A part as read: `bytes` is null for a file not kept (another field's, or one over the size limit). */
type ReadPart = FormPart | { readonly type: 'file'; readonly name: string; readonly filename: string; readonly bytes: null };

/** Reads every part; file parts named `fileField` become items, in order, each alone in its failure. */
async function readMultipart(request: FastifyRequest, fileField: string, limits: UploadLimits) {
  const items: ItemOrProblem[] = [];
  const fields: Record<string, string> = {};
  const strayFiles: string[] = [];
  let totalBytes = 0;
  try {
    for await (const part of (await wholeForm(request, limits)) ?? streamedParts(request, fileField)) {
      if (part.type === 'field') {
        fields[part.name] = part.value;
      } else if (part.name !== fileField) {
        strayFiles.push(part.name);
      } else if (part.bytes === null) {
        // only a file's own size is that file's problem: the other items are still answered
        items.push(
          new HttpProblem(
            'image_too_large',
            `the file '${part.filename}' is larger than ${limitText(limits.maxFileBytes, 'MAX_FILE_BYTES')}`,
          ),
        );
      } else {
        totalBytes += part.bytes.length;
        if (totalBytes > limits.maxBodyBytes) {
          throw new HttpProblem(
            'body_too_large',
            `the files of this request add up to more than ${limitText(limits.maxBodyBytes, 'MAX_BODY_BYTES')}`,
          );
        }
        items.push({ kind: 'image', bytes: part.bytes });
      }
    }
  } catch (err) {
    // busboy reports broken framing (no boundary, a body cut short) as plain errors: the client's mistake
    if (err instanceof HttpProblem || String((err as { code?: unknown }).code ?? '').startsWith('FST_')) throw err;
    throw new HttpProblem('bad_request', `the multipart body is malformed: ${(err as Error).message}`);
  }
  return { items, fields, strayFiles };
}

/** A small form's parts, read whole and split at once; undefined when it is @fastify/multipart's to stream. */
async function wholeForm(request: FastifyRequest, limits: UploadLimits): Promise<FormPart[] | undefined> {
  const length = Number(request.headers['content-length']);
  const boundary = boundaryOf(request.headers['content-type']);
  if (!(length > 0 && length <= limits.wholeFormBytes) || boundary === undefined) return undefined;
  return readWhole(request.raw, length, (body) => parsePlainForm(body, boundary, limits.form));
}

/** The parts as @fastify/multipart streams them: other fields' files are drained, not kept. */
async function* streamedParts(request: FastifyRequest, fileField: string): AsyncGenerator<ReadPart> {
  for await (const part of request.parts()) {
    if (part.type === 'field') {
      yield { type: 'field', name: part.fieldname, value: String(part.value) };
    } else if (part.fieldname !== fileField) {
      await drain(part);
      yield { type: 'file', name: part.fieldname, filename: part.filename, bytes: null };
    } else {
      const bytes = await part.toBuffer();
      yield { type: 'file', name: part.fieldname, filename: part.filename, bytes: part.file.truncated ? null : bytes };
    }
  }
}

function strayHint(strayFiles: readonly string[]): string {
  return strayFiles.length ? `; got file field(s) ${strayFiles.map((f) => `'${f}'`).join(', ')}` : '';
}

async function drain(part: MultipartFile): Promise<void> {
  for await (const chunk of part.file) void chunk;
}

/** What a request holds: its items and, for multipart, its text fields (which may carry options). */
export interface Received<T> {
  readonly items: T;
  readonly fields: Record<string, string>;
}

/** One input for /predict: multipart field `image`, a raw image body, or JSON `{"pixels": [...]}` / `{"image": "<base64>"}`. */
export async function readSingleInput(request: FastifyRequest, limits: UploadLimits): Promise<Received<InputItem>> {
  if (request.isMultipart()) {
    const { items, fields, strayFiles } = await readMultipart(request, 'image', limits);
    const first = items[0];
    if (first === undefined) {
      throw new HttpProblem('missing_image', `send the image in the multipart file field 'image'${strayHint(strayFiles)}`);
    }
    if (items.length > 1) throw new HttpProblem('bad_request', `one image per request here (got ${items.length}); use /predict/batch`);
    if (first instanceof HttpProblem) throw first;
    return { items: first, fields };
  }
  const body = request.body;
  if (Buffer.isBuffer(body)) return { items: { kind: 'image', bytes: body }, fields: {} };
  if (body === undefined || body === null || body === '') {
    throw new HttpProblem('empty_body', 'send an image (multipart field \'image\' or an image/* body) or JSON {"pixels": [...]}');
  }
  return { items: parseJsonItem(body, limits), fields: {} };
}

/** Many inputs for /predict/batch: multipart field `images` repeated, or JSON `{"inputs": [...]}`. */
export async function readBatchInputs(
  request: FastifyRequest,
  limits: UploadLimits & { maxItems: number },
): Promise<Received<ItemOrProblem[]>> {
  if (request.isMultipart()) {
    const { items, fields, strayFiles } = await readMultipart(request, 'images', limits);
    if (items.length === 0) {
      throw new HttpProblem('missing_image', `send the images in the repeated multipart file field 'images'${strayHint(strayFiles)}`);
    }
    return { items, fields };
  }
  const body = request.body;
  if (body === undefined || body === null || body === '') {
    throw new HttpProblem('empty_body', 'send multipart files in the field \'images\' or JSON {"inputs": [...]}');
  }
  if (Buffer.isBuffer(body))
    throw new HttpProblem('unsupported_media_type', 'a batch is multipart/form-data or JSON, not a single raw image');
  const parsed = BatchJsonBody.safeParse(body);
  if (!parsed.success) throw new HttpProblem('invalid_input', describeIssues(parsed.error, { root: 'body', input: body }));
  if (parsed.data.inputs.length > limits.maxItems) {
    throw new HttpProblem('too_many_images', `${parsed.data.inputs.length} inputs; at most ${limits.maxItems} per batch`);
  }
  const items = parsed.data.inputs.map((value) => {
    try {
      return parseJsonItem(value, limits);
    } catch (err) {
      return err as HttpProblem;
    }
  });
  return { items, fields: {} };
}
