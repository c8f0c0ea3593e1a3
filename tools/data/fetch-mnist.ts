/**
 * Download the four MNIST files from a mirror and verify each against fixed sha256 sums before
 * keeping it. A file is accepted when its bytes are the official archive, or when its
 * decompressed content is the official content (mirrors sometimes recompress); anything else
 * is an error and nothing is written.
 */
import { createHash } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

export const DEFAULT_MIRROR = 'https://storage.googleapis.com/cvdf-datasets/mnist/';

/** Largest file accepted from a mirror (train-images is about 9.9 MB). */
const MAX_DOWNLOAD_BYTES = 20_000_000;
/** How long one file may take, connection included. */
const TIMEOUT_MS = 120_000;

export interface MnistFile {
  readonly name: string;
  /** sha256 of the archive published at yann.lecun.com and its mirrors */
  readonly archiveSha256: string;
  /** sha256 of the decompressed IDX file, where known */
  readonly contentSha256?: string;
}

export const MNIST_FILES: readonly MnistFile[] = [
  { name: 'train-images-idx3-ubyte.gz', archiveSha256: '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609' },
  {
    name: 'train-labels-idx1-ubyte.gz',
    archiveSha256: '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c',
    contentSha256: '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5',
  },
  {
    name: 't10k-images-idx3-ubyte.gz',
    archiveSha256: '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6',
    contentSha256: '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7',
  },
  {
    name: 't10k-labels-idx1-ubyte.gz',
    archiveSha256: 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6',
    contentSha256: 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2',
  },
];

export class ChecksumError extends Error {
  override name = 'ChecksumError';
}

/** The sentence every failed download starts with: which URL, then why. */
export class DownloadError extends Error {
  override name = 'DownloadError';
  constructor(url: URL, why: string) {
    super(`could not download ${url}: ${why}`);
  }
}

/**
 * Why a fetch failed, in a few words. fetch() itself only says "fetch failed": the reason is in
 * its cause, a system error whose code (ECONNREFUSED, ENOTFOUND, ECONNRESET...) is what a user
 * can search for, or an undici error whose message ("other side closed") is plainer than its code.
 */
function describeFetchError(err: unknown): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return `no answer within ${TIMEOUT_MS / 1000} s`;
  const cause = err instanceof Error && err.cause !== undefined ? err.cause : err;
  const code = (cause as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
  return cause instanceof Error ? cause.message : String(cause);
}

/** The body of `url`, or a DownloadError: no connection, an HTTP error, a cut-off body, or too many bytes. */
async function download(url: URL): Promise<Uint8Array> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (!res.ok) {
      await res.body?.cancel();
      throw new DownloadError(url, `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
    }
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (bytes.length > MAX_DOWNLOAD_BYTES) throw new DownloadError(url, `${bytes.length} bytes, more than any MNIST file`);
    return bytes;
  } catch (err) {
    throw err instanceof DownloadError ? err : new DownloadError(url, describeFetchError(err));
  }
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** How the bytes matched, or a ChecksumError saying what was expected. */
export function verify(file: MnistFile, bytes: Uint8Array): 'archive' | 'content' {
  const actual = sha256(bytes);
  if (actual === file.archiveSha256) return 'archive';
  let content: string | undefined;
  try {
    content = sha256(gunzipSync(bytes));
  } catch {
    // not gzip at all: reported below with the archive sum
  }
  if (file.contentSha256 !== undefined && content === file.contentSha256) return 'content';
  throw new ChecksumError(
    `${file.name}: sha256 ${actual} is not the official archive (${file.archiveSha256})` +
      (file.contentSha256 ? ` and its content (${content ?? 'not gzip'}) is not the official content (${file.contentSha256})` : ''),
  );
}

export interface FetchedFile {
  readonly name: string;
  readonly path: string;
  readonly bytes: number;
  readonly matched: 'archive' | 'content';
}

/** Fetch `files` from `mirror` into `dir`; each is written (atomically) only once verified. */
export async function fetchMnist(mirror: string, dir: string, files: readonly MnistFile[] = MNIST_FILES): Promise<FetchedFile[]> {
  await mkdir(dir, { recursive: true });
  const base = mirror.endsWith('/') ? mirror : `${mirror}/`;
  const fetched: FetchedFile[] = [];
  for (const file of files) {
    const url = new URL(file.name, base);
    const bytes = await download(url);
    const matched = verify(file, bytes);
    const path = join(dir, file.name);
    await writeFile(`${path}.part`, bytes);
    await rename(`${path}.part`, path);
    fetched.push({ name: file.name, path, bytes: bytes.length, matched });
  }
  return fetched;
}
