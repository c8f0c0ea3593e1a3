/**
 * The service as a separate process, for benches that watch it from outside: the real entry
 * point (`node --import tsx src/server.ts`, or a built tree's `dist/server.js`) on a free loopback port, its RSS read from
 * /proc/<pid>/status, its /metrics scraped, and a clean SIGTERM stop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { send } from '../../test/hostile/support/http.js';
import { freePort } from '../../test/support/ports.js';

export { freePort };

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function rssOf(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0; // gone since it was listed
  }
}

/**
 * The fields of /proc/<pid>/stat from the third (state) on: fields[0] is field 3, fields[i] is
 * field i + 3. `pid (comm) state ppid ...`, and comm may hold spaces, so read after the last ')'.
 */
export function procStat(pid: number | string): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** `root` and its descendants (the cluster primary and its workers), from the parent ids in /proc/<pid>/stat. */
function processTree(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      parentOf.set(Number(entry), Number(procStat(entry)[1]));
    } catch {
      // exited meanwhile
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) for (const [pid, ppid] of parentOf) if (ppid === tree[i]) tree.push(pid);
  return tree;
}

/** Polls `url` + `path` until it answers 200; throws if `child` exits first or after a minute. */
export async function waitReady(url: string, path: string, child: ChildProcess): Promise<void> {
  for (const until = Date.now() + 60_000; ; await new Promise((r) => setTimeout(r, 100))) {
    const r = await send(url, { method: 'GET', path, timeoutMs: 1_000 });
    if (r.status === 200) return;
    if (child.exitCode !== null || Date.now() > until) throw new Error(`the server at ${url} did not become ready`);
  }
}

export interface ChildServer {
  readonly url: string;
  readonly pid: number;
  readonly process: ChildProcess;
  /** resident set size in bytes of the server and its worker processes, from /proc (Linux) */
  rss(): number;
  /** one value of the Prometheus text at /metrics, or NaN */
  metric(name: string): Promise<number>;
  /** SIGTERM, then the exit code (SIGKILL after `graceMs`) */
  stop(graceMs?: number): Promise<number | null>;
}

/** How to run the server: by default this tree's sources through tsx. */
export interface ServerCommand {
  /** the package to run it in */
  readonly cwd: string;
  /** node's arguments */
  readonly args: readonly string[];
}

const FROM_SOURCES: ServerCommand = { cwd: REPO, args: ['--import', 'tsx', 'src/server.ts'] };

/** `logFile`: where the server's stdout and stderr go (default: this process's). */
export async function startChildServer(env: Record<string, string>, logFile?: string, command = FROM_SOURCES): Promise<ChildServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const out = logFile === undefined ? 'inherit' : openSync(logFile, 'a');
  const child = spawn(process.execPath, command.args, {
    cwd: command.cwd,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', out, out],
  });
  if (typeof out === 'number') closeSync(out); // the child holds its own copy
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  await waitReady(url, '/health/ready', child);
  return {
    url,
    pid: child.pid!,
    process: child,
    rss: () => processTree(child.pid!).reduce((sum, pid) => sum + rssOf(pid), 0),
    metric: async (name) => {
      const r = await send(url, { method: 'GET', path: '/metrics', timeoutMs: 5_000 });
      if (r.status !== 200) return NaN;
      const line = r.body
        .toString('utf8')
        .split('\n')
        .find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
      return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : NaN;
    },
    stop: async (graceMs = 15_000) => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
