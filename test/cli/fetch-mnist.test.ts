/**
 * The download command against a real HTTP server on loopback serving ../shared/data/mnist (the
 * official mirrors are not reachable here): verified files are kept, a bad checksum is an error
 * and leaves nothing behind.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChecksumError, fetchMnist, MNIST_FILES, verify } from '../../tools/data/fetch-mnist.js';
import { loadMnistSplit } from '../../src/data/idx.js';
import { hasSharedData, sharedPath, warnIfSharedDataMissing } from '../support/shared-data.js';
import { runTool } from './run-cli.js';

const run = promisify(execFile);
warnIfSharedDataMissing('the download tests (test/cli/fetch-mnist.test.ts)');

describe.skipIf(!hasSharedData)('fetch-mnist against a local mirror', () => {
  let server: Server;
  let mirror: string;
  /** names whose bytes the server corrupts */
  const corrupt = new Set<string>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      const name = decodeURIComponent(new URL(req.url!, 'http://x').pathname.split('/').pop()!);
      const file = sharedPath('mnist', name);
      if (!/^[\w.-]+$/.test(name) || !existsSync(file)) return void res.writeHead(404).end();
      void readFile(file).then((bytes) => {
        if (corrupt.has(name)) bytes[bytes.length - 5] ^= 0xff;
        res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(bytes);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    mirror = `http://127.0.0.1:${(server.address() as { port: number }).port}/mnist/`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  /** `npm run fetch-mnist -- --mirror <the local mirror> --out <dir> --only t10k`, as a child process */
  const fetchT10k = (dir: string) =>
    run(process.execPath, ['--import', 'tsx', 'tools/cli/fetch-mnist.ts', '--mirror', mirror, '--out', dir, '--only', 't10k']);

  it('downloads the test set, verifies it, and the IDX reader reads it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fetch-'));
    const { stdout } = await fetchT10k(dir);
    expect(stdout).toMatch(/t10k-images-idx3-ubyte.gz\s+\d+ bytes\s+verified/);
    expect(stdout).toMatch(/t10k-labels-idx1-ubyte.gz\s+\d+ bytes\s+verified/);
    const set = await loadMnistSplit(dir, 't10k');
    expect(set.count).toBe(10_000);
  });

  it('refuses a file whose checksum does not match and writes nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fetch-'));
    corrupt.add('t10k-labels-idx1-ubyte.gz');
    try {
      const labels = MNIST_FILES.filter((f) => f.name === 't10k-labels-idx1-ubyte.gz');
      await expect(fetchMnist(mirror, dir, labels)).rejects.toBeInstanceOf(ChecksumError);
      expect(existsSync(join(dir, 't10k-labels-idx1-ubyte.gz'))).toBe(false);
      const cli = await fetchT10k(dir).catch((e: { code: number; stderr: string }) => e);
      expect(cli).toMatchObject({ code: 1 });
      expect((cli as { stderr: string }).stderr).toMatch(/checksum mismatch: t10k-labels-idx1-ubyte.gz/);
    } finally {
      corrupt.clear();
    }
  });

  it('reports a file the mirror does not have', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fetch-'));
    await expect(
      fetchMnist(
        mirror,
        dir,
        MNIST_FILES.filter((f) => f.name.startsWith('train-images')),
      ),
    ).rejects.toThrow(/HTTP 404/);
  });
});

describe('fetch-mnist against a mirror it cannot download from', () => {
  /** a loopback port nothing listens on: a server is given one, then closed */
  async function unusedPort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    return port;
  }

  const fetchT10k = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const dir = await mkdtemp(join(tmpdir(), 'fetch-'));
    const run = await runTool('tools/cli/fetch-mnist.ts', [...args, '--out', dir, '--only', 't10k'], env);
    return { ...run, written: await readdir(dir) };
  };

  it('names the URL and the cause in one line and exits 1 when the connection is refused', async () => {
    const mirror = `http://127.0.0.1:${await unusedPort()}/mnist/`;
    const run = await fetchT10k(['--mirror', mirror]);
    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr: `fetch-mnist: could not download ${mirror}t10k-images-idx3-ubyte.gz: ECONNREFUSED\n`,
      written: [],
    });
  });

  it('names the URL and the cause when the mirror closes the connection without an answer', async () => {
    const server = createServer((req) => req.socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const mirror = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      const run = await fetchT10k(['--mirror', mirror]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(new RegExp(`^fetch-mnist: could not download ${mirror}/t10k-images-idx3-ubyte.gz: \\S.*\\n$`));
      expect(run.written).toEqual([]);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('takes the mirror from MNIST_MIRROR when --mirror is not given', async () => {
    const mirror = `http://127.0.0.1:${await unusedPort()}/from-env/`;
    const run = await fetchT10k([], { MNIST_MIRROR: mirror });
    expect(run.stderr).toBe(`fetch-mnist: could not download ${mirror}t10k-images-idx3-ubyte.gz: ECONNREFUSED\n`);
  });

  it('exits 2 with the usage when --mirror is not an http(s) URL', async () => {
    const run = await fetchT10k(['--mirror', 'storage.googleapis.com/cvdf-datasets/mnist']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^fetch-mnist: --mirror must be an http:\/\/ or https:\/\/ URL, got "storage.googleapis.com\/cvdf-datasets\/mnist"\n\nusage: /,
    );
  });
});

describe('verify', () => {
  it('accepts the official archive bytes by their sha256 and refuses anything else', () => {
    const [file] = MNIST_FILES;
    expect(() => verify(file!, Buffer.from('not mnist'))).toThrow(ChecksumError);
  });
});
