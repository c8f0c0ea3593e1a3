/** Worker processes: the real entry point with WORKERS=2, serving on one port and stopping cleanly. */
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { saveWeights } from '../src/model/weights/load.js';
import { toyDigitModel } from './support/models.js';
import { freePort } from './support/ports.js';

describe('WORKERS=2', () => {
  it('starts two workers on one port, answers through both, and exits 0 on SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cluster-'));
    const weights = join(dir, 'toy.safetensors');
    await saveWeights(weights, toyDigitModel().mlp, { name: 'toy' });
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', WORKERS: '2', WEIGHTS: weights, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    onTestFinished(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });

    const listening = () =>
      new Set(
        stdout
          .split('\n')
          .filter((l) => l.includes('Server listening'))
          .map((l) => JSON.parse(l).pid),
      ).size;
    for (let i = 0; i < 200 && listening() < 2; i++) await new Promise((r) => setTimeout(r, 100));
    expect(listening()).toBe(2);

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
    const completed = () => stdout.split('\n').filter((l) => l.includes('request completed'));
    for (let i = 0; i < 100 && completed().length < 20; i++) await new Promise((r) => setTimeout(r, 50));
    expect(completed()).toHaveLength(20);
    expect(new Set(completed().map((l) => JSON.parse(l).pid)).size).toBe(2);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stdout).toContain('all workers stopped');
  }, 30_000);
});
