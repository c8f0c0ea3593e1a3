/** The convert CLI (tools/cli/convert-weights.ts), run as `npm run convert` runs it: a tsx child process. */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { loadWeights } from '../../src/model/weights/load.js';
import { TOY_DIR, toyMlp } from '../fixtures/weights/toy.js';

const REPO_ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
const CLI = join(REPO_ROOT, 'tools/cli/convert-weights.ts');
const TOY_PKL = join(TOY_DIR, 'toy-p3-fortran-f4.pkl');
const CLI_TIMEOUT_MS = 30_000;

const tmp = mkdtempSync(join(tmpdir(), 'digit-serve-convert-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function convert(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: REPO_ROOT });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const { code, stdout, stderr } = err as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe.concurrent('convert-weights CLI', () => {
  it(
    'converts a pickle, records name and source, and prints the architecture and the output sha256',
    async () => {
      const out = join(tmp, 'toy.safetensors');
      const { code, stdout } = await convert(TOY_PKL, out);
      expect(code).toBe(0);
      const { mlp, info } = await loadWeights(out);
      expect(mlp).toEqual(toyMlp());
      expect(info.metadata.name).toBe('dlfs-sample-weight');
      expect(JSON.parse(info.metadata.source!)).toEqual({ file: 'toy-p3-fortran-f4.pkl', sha256: sha256(readFileSync(TOY_PKL)) });
      expect(stdout).toContain('3-4-2 sigmoid/softmax');
      expect(stdout).toContain(sha256(readFileSync(out)));
    },
    CLI_TIMEOUT_MS,
  );

  it(
    'takes the model name from --name',
    async () => {
      const out = join(tmp, 'named.safetensors');
      expect((await convert(TOY_PKL, out, '--name', 'toy-net')).code).toBe(0);
      expect((await loadWeights(out)).info.name).toBe('toy-net');
    },
    CLI_TIMEOUT_MS,
  );

  it.each([
    ['no arguments', []],
    ['one file', [TOY_PKL]],
    ['an output that is not .safetensors', [TOY_PKL, join(tmp, 'out.pkl')]],
    ['an unknown option', [TOY_PKL, join(tmp, 'x.safetensors'), '--nmae', 'x']],
    ['an empty name', [TOY_PKL, join(tmp, 'x.safetensors'), '--name', '']],
  ])(
    'exits 2 with the usage on %s',
    async (_, args) => {
      const { code, stderr } = await convert(...args);
      expect(code).toBe(2);
      expect(stderr).toContain('usage: npm run convert -- <in.pkl> <out.safetensors> [--name NAME]');
      expect(existsSync(join(tmp, 'x.safetensors'))).toBe(false);
    },
    CLI_TIMEOUT_MS,
  );

  it(
    'refuses to overwrite an existing output without --force, and overwrites it with --force',
    async () => {
      const out = join(tmp, 'existing.safetensors');
      writeFileSync(out, 'mine');
      const refused = await convert(TOY_PKL, out);
      expect(refused).toEqual({ code: 1, stdout: '', stderr: `convert: ${out} exists: pass --force to overwrite it\n` });
      expect(readFileSync(out, 'utf8')).toBe('mine');
      expect((await convert(TOY_PKL, out, '--force')).code).toBe(0);
      expect((await loadWeights(out)).mlp).toEqual(toyMlp());
    },
    CLI_TIMEOUT_MS,
  );

  it(
    'exits 1 with the one-line loader error when the input cannot be read',
    async () => {
      const missing = join(tmp, 'missing.pkl');
      const { code, stderr } = await convert(missing, join(tmp, 'y.safetensors'));
      expect(code).toBe(1);
      expect(stderr.trim()).toBe(`convert: cannot load weights from ${missing}: file not found`);
    },
    CLI_TIMEOUT_MS,
  );
});
