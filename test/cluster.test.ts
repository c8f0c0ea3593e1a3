/** Worker processes: the real entry point with WORKERS=2, serving on one port and stopping cleanly. */
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { saveWeights } from '../src/model/weights/load.js';
import { toyDigitModel } from './support/models.js';
import { freePort } from './support/ports.js';

/** The real entry point with WORKERS=2 on a free port, in its own process group; resolves once both workers listen. */
async function startCluster() {
  const dir = await mkdtemp(join(tmpdir(), 'cluster-'));
  const weights = join(dir, 'toy.safetensors');
  await saveWeights(weights, toyDigitModel().mlp, { name: 'toy' });
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', WORKERS: '2', WEIGHTS: weights, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  const out = { stdout: '' };
  child.stdout.on('data', (chunk: Buffer) => (out.stdout += chunk.toString()));
  // 'close', not 'exit': the last log lines may still be in the pipe when the process has exited
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  onTestFinished(() => {
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
  });
  const lines = (text: string) => out.stdout.split('\n').filter((l) => l.includes(text));
  const listening = () => new Set(lines('Server listening').map((l) => JSON.parse(l).pid)).size;
  for (let i = 0; i < 200 && listening() < 2; i++) await new Promise((r) => setTimeout(r, 100));
  expect(listening()).toBe(2);
  return { child, port, exited, lines };
}

describe('WORKERS=2', () => {
  it('starts two workers on one port, answers through both, and exits 0 on SIGTERM', async () => {
    const { child, port, exited, lines } = await startCluster();
    const pixels = new Array(784).fill(0);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        fetch(`http://127.0.0.1:${port}/predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ pixels }),
        }).then((r) => r.json() as Promise<{ prediction: number }>),
      ),
    );
    expect(new Set(answers.map((a) => a.prediction)).size).toBe(1);
    // a worker logs "request completed" after the response is sent, so the line can arrive later
    for (let i = 0; i < 100 && lines('request completed').length < 20; i++) await new Promise((r) => setTimeout(r, 50));
    expect(lines('request completed')).toHaveLength(20);
    expect(new Set(lines('request completed').map((l) => JSON.parse(l).pid)).size).toBe(2);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(lines('all workers stopped').map((l) => JSON.parse(l).clean)).toEqual([true]);
  }, 30_000);

  it('drains and exits 0 on Ctrl-C, which signals the primary and every worker at once', async () => {
    const { child, port, exited, lines } = await startCluster();
    // a request still arriving when the signal comes, so a worker is draining when the
    // primary passes the signal on a second time
    const body = JSON.stringify({ pixels: new Array(784).fill(0) });
    const socket = connect(port, '127.0.0.1');
    const answer = new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (c: Buffer) => (text += c.toString()));
      socket.on('close', () => resolve(text));
      socket.on('error', () => resolve(text));
    });
    socket.write(
      `POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
    );
    socket.write(body.slice(0, 100));
    await new Promise((r) => setTimeout(r, 300));
    process.kill(-child.pid!, 'SIGINT');
    await new Promise((r) => setTimeout(r, 500));
    socket.write(body.slice(100));
    expect(await answer).toMatch(/^HTTP\/1.1 200/);
    expect(await exited).toBe(0);
    expect(lines('shutting down')).toHaveLength(2);
    expect(lines('all workers stopped').map((l) => JSON.parse(l).clean)).toEqual([true]);
  }, 30_000);
});
