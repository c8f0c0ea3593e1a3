/** Start-up as an operator sees it: the real entry point, a real process, its stderr and exit code. */
import { execFile, type ExecFileOptions } from 'node:child_process';
import { chmod, copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PARTS_WEIGHTS, DEFAULT_WEIGHTS } from '../src/config.js';

const run = promisify(execFile);

async function startWith(
  env: Record<string, string>,
  options: Pick<ExecFileOptions, 'uid' | 'gid'> = {},
): Promise<{ code: number; stderr: string; ms: number }> {
  const started = Date.now();
  try {
    await run(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...env },
      timeout: 30_000,
      ...options,
    });
    return { code: 0, stderr: '', ms: Date.now() - started };
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr, ms: Date.now() - started };
  }
}

const oneLine = (stderr: string) => stderr.trim().split('\n');

describe('start-up failures', () => {
  it('stops with one clear line naming a missing weights file', async () => {
    const { code, stderr } = await startWith({ WEIGHTS: '/nonexistent/model.safetensors' });
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^digit-serve: cannot load weights from \/nonexistent\/model.safetensors: .*(not found|no such file)/i);
  });

  it('stops with one clear line for a corrupt weights file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weights-'));
    const file = join(dir, 'broken.safetensors');
    await writeFile(file, Buffer.from([1, 2, 3]));
    const { code, stderr } = await startWith({ WEIGHTS: file });
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain(`cannot load weights from ${file}:`);
  });

  it('refuses a network of the wrong shape for either model, naming the file and the setting', async () => {
    // the digit model where the parts model belongs, and the other way round
    const asParts = await startWith({ PARTS_WEIGHTS: DEFAULT_WEIGHTS });
    expect(asParts.code).toBe(1);
    expect(oneLine(asParts.stderr)).toEqual([
      `digit-serve: cannot load weights from ${DEFAULT_WEIGHTS}: the network maps 784 inputs to 10 classes; the parts model (PARTS_WEIGHTS) needs 784 -> 11`,
    ]);
    const asDigits = await startWith({ WEIGHTS: DEFAULT_PARTS_WEIGHTS });
    expect(asDigits.code).toBe(1);
    expect(oneLine(asDigits.stderr)).toEqual([
      `digit-serve: cannot load weights from ${DEFAULT_PARTS_WEIGHTS}: the network maps 784 inputs to 11 classes; a model of 10 labels needs 784 -> 10`,
    ]);
  });

  it('lists every invalid setting at once, on one line, each with the value it was given', async () => {
    const { code, stderr } = await startWith({ PORT: 'eighty', LOG_LEVEL: 'loud' });
    expect(code).toBe(1);
    const lines = oneLine(stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^digit-serve: invalid configuration: PORT: .* \(got "eighty"\); LOG_LEVEL: .* \(got "loud"\)$/);
  });
});

/** As root, the service is started as nobody (uid 65534): it may not bind below 1024 nor read a 0600 file of root's. */
const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

describe('start-up failures of the listening socket, with one worker and with two', () => {
  let taken: Server;
  let takenPort: number;
  beforeAll(async () => {
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    takenPort = (taken.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => taken.close(() => resolve())));

  for (const workers of ['1', '2']) {
    it(`WORKERS=${workers}: a port in use stops the service within 5 s, one line naming the port`, async () => {
      const { code, stderr, ms } = await startWith({ WORKERS: workers, PORT: String(takenPort) });
      expect(code).toBe(1);
      expect(oneLine(stderr)).toEqual([
        `digit-serve: port ${takenPort} is already in use on 127.0.0.1 (EADDRINUSE); set PORT to a free port or stop the process that holds it`,
      ]);
      expect(ms).toBeLessThan(5_000);
    });

    it(`WORKERS=${workers}: a HOST that does not resolve, and one that is not this machine's, name HOST`, async () => {
      const unresolved = await startWith({ WORKERS: workers, HOST: 'no-such-host.invalid', PORT: String(takenPort + 1) });
      expect(unresolved.code).toBe(1);
      expect(oneLine(unresolved.stderr)).toEqual([
        expect.stringMatching(/^digit-serve: HOST no-such-host\.invalid does not resolve to an address \(E[A-Z_]+\); set HOST to /),
      ]);
      const foreign = await startWith({ WORKERS: workers, HOST: '192.0.2.1', PORT: String(takenPort + 1) });
      expect(foreign.code).toBe(1);
      expect(oneLine(foreign.stderr)).toEqual([
        'digit-serve: HOST 192.0.2.1 is not an address of this machine (EADDRNOTAVAIL); set HOST to one of its addresses, or 0.0.0.0 for all of them',
      ]);
    });

    it(`WORKERS=${workers}: a privileged port without the permission says what to set`, async () => {
      const { code, stderr } = await startWith({ WORKERS: workers, PORT: '80' }, asNobody);
      expect(code).toBe(1);
      expect(oneLine(stderr)).toEqual([
        'digit-serve: no permission to listen on port 80 (EACCES); set PORT to 1024 or above, or give the process CAP_NET_BIND_SERVICE',
      ]);
    });

    it(`WORKERS=${workers}: weights it may not read`, async () => {
      const file = join(await mkdtemp(join(tmpdir(), 'weights-')), 'private.safetensors');
      await copyFile(DEFAULT_WEIGHTS, file);
      await chmod(file, process.getuid?.() === 0 ? 0o600 : 0o000);
      const { code, stderr } = await startWith({ WORKERS: workers, WEIGHTS: file }, asNobody);
      expect(code).toBe(1);
      expect(oneLine(stderr)).toEqual([`digit-serve: cannot load weights from ${file}: permission denied`]);
    });
  }
});
