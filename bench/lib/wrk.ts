/**
 * Load with wrk (Debian package `wrk`): one POST body replayed for a fixed time at a fixed
 * number of connections, with wrk's latency distribution. Bounded in time; loopback only.
 */
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface WrkResult {
  readonly requestsPerSec: number;
  /** requests answered in the run */
  readonly requests: number;
  /** 2xx answers per second: a shed (503) or refused request does not count as served */
  readonly okPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly non2xx: number;
  readonly errors: number;
}

const LUA = `
local f = assert(io.open(os.getenv("WRK_BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = os.getenv("WRK_TYPE")
`;

function toMs(value: string, unit: string): number {
  const v = Number(value);
  return unit === 'us' ? v / 1000 : unit === 's' ? v * 1000 : unit === 'm' ? v * 60_000 : v;
}

export async function wrk(
  url: string,
  bodyFile: string,
  contentType: string,
  connections: number,
  seconds: number,
  dir: string,
): Promise<WrkResult> {
  const script = join(dir, 'post.lua');
  // written once: rewriting it (truncate, then write) while a concurrent wrk reads it would
  // leave that wrk without its script, sending GETs
  if (!existsSync(script)) writeFileSync(script, LUA);
  const { stdout } = await run(
    'wrk',
    ['-t', '1', '-c', String(connections), '-d', `${seconds}s`, '--timeout', '10s', '--latency', '-s', script, url],
    { env: { ...process.env, WRK_BODY: bodyFile, WRK_TYPE: contentType }, timeout: (seconds + 30) * 1000 },
  );
  const latency = (pct: string) => {
    const m = new RegExp(`^\\s+${pct}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(stdout);
    return m ? toMs(m[1]!, m[2]!) : NaN;
  };
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout);
  const total = /(\d+) requests in/.exec(stdout);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  const requestsPerSec = rps ? Number(rps[1]) : NaN;
  const failed = non2xx ? Number(non2xx[1]) : 0;
  return {
    requestsPerSec,
    requests: total ? Number(total[1]) : 0,
    okPerSec: total && Number(total[1]) > 0 ? requestsPerSec * (1 - failed / Number(total[1])) : requestsPerSec,
    p50Ms: latency('50'),
    p99Ms: latency('99'),
    non2xx: failed,
    errors: errors ? errors.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
  };
}
