/**
 * The real entry point (src/server.ts) in a child process, as an operator starts it: its
 * stdout log lines, its stderr, its exit, and requests on fresh connections, so that the
 * cluster's round robin spreads them over the workers.
 */
import { spawn, type SpawnOptions } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { onTestFinished } from 'vitest';

export interface ServiceProcess {
  readonly pid: number;
  /** exit code, or null if killed by a signal; 'close', so every output line has been read */
  readonly exited: Promise<number | null>;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** the stdout lines that are JSON log records containing `text` */
  logs(text: string): Record<string, unknown>[];
  /** resolves once `check` holds, polling the logs; fails after `timeoutMs` */
  waitFor(what: string, check: () => boolean, timeoutMs?: number): Promise<void>;
  /** resolves once GET /health/ready on `port` answers 200 */
  ready(port: number): Promise<void>;
  signal(signal: NodeJS.Signals): void;
}

export function startService(env: Record<string, string>, options: Pick<SpawnOptions, 'uid' | 'gid'> = {}): ServiceProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    ...options,
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
  });
  const logs = (text: string) =>
    stdout
      .split('\n')
      .filter((line) => line.startsWith('{') && line.includes(text))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return {
    pid: child.pid!,
    exited,
    stdout: () => stdout,
    stderr: () => stderr,
    logs,
    async waitFor(what, check, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; stdout:\n${stdout}\nstderr:\n${stderr}`);
        if (child.exitCode !== null)
          throw new Error(`the service exited (${child.exitCode}) while waiting for ${what}; stderr:\n${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async ready(port) {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const answer = await call(port, 'GET', '/health/ready').catch(() => undefined);
        if (answer?.status === 200) return;
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error(`the service on port ${port} never became ready; stderr:\n${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    signal: (signal) => child.kill(signal),
  };
}

export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One request on a connection of its own (no keep-alive), so a cluster hands each to the next worker. */
export function call(port: number, method: string, path: string, body?: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: false,
        headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
