/**
 * The working tree against another commit of this service, for a change's effect on speed:
 * both built and serving at once (one process each), each loaded by its own wrk at the same
 * time, so the machine's drift (tens of percent over minutes here) falls on both alike; per
 * round, each server's CPU time per request (from /proc) and their ratio.
 *
 *   npm run bench:ab -- --base <commit> [--scenarios png,jpeg,batch] [--connections 8] [--seconds 5] [--rounds 5]
 *
 * The base is checked out into a temporary worktree and built with its own scripts, using this
 * tree's node_modules. Needs: wrk, git.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { send } from '../test/hostile/support/http.js';
import { procStat, REPO, startChildServer } from './lib/child-server.js';
import { median } from './lib/median.js';
import { scenarios, type Scenario } from './lib/scenarios.js';
import { wrk } from './lib/wrk.js';

const { values } = parseArgs({
  options: {
    base: { type: 'string' },
    scenarios: { type: 'string', default: 'png,jpeg,batch' },
    connections: { type: 'string', default: '8' },
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '5' },
  },
});
if (!values.base) throw new Error('--base <commit> is required');
const CONNECTIONS = Number(values.connections);
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

const work = mkdtempSync(join(tmpdir(), 'bench-ab-'));
const baseTree = join(work, 'base');
const git = (...args: string[]) => execFileSync('git', args, { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
git('worktree', 'add', '--detach', baseTree, values.base);
symlinkSync(join(REPO, 'node_modules'), join(baseTree, 'node_modules'));
const build = (dir: string) => execFileSync('npm', ['run', 'build'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
build(baseTree);
build(REPO);

/** CPU time of `pid` so far, in microseconds (utime + stime, fields 14 and 15 of /proc/<pid>/stat). */
const cpuMicros = (pid: number) => {
  const fields = procStat(pid);
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / TICKS_PER_SECOND;
};

// no load shedding: every request is served, so its CPU time is a request's work; the log at
// the default level, as the README starts the service, so what it costs is counted
const ENV = { WORKERS: '1', MAX_EVENT_LOOP_DELAY_MS: '0', LOG_LEVEL: 'info' };
const serve = async (name: string, cwd: string) => {
  const log = join(work, `${name.replace(/\W/g, '-')}.log`);
  return { name, log, ...(await startChildServer(ENV, log, { cwd, args: ['dist/server.js'] })) };
};
const servers = [await serve('base', baseTree), await serve('this tree', REPO)];
type Served = (typeof servers)[number];

/** `server`'s answer to one request of `s`, and the end of its log: what a failing server says. */
async function whatItSays(server: Served, s: Scenario): Promise<string> {
  const r = await send(server.url, {
    method: 'POST',
    path: s.path,
    headers: { 'content-type': s.contentType },
    body: readFileSync(s.bodyFile),
  });
  const answer = 'body' in r ? `${r.status} ${r.body.toString('utf8').slice(0, 300)}` : r.error;
  return `it answers ${answer}; its log ends:\n${readFileSync(server.log, 'utf8').split('\n').slice(-5).join('\n')}`;
}

try {
  console.log(`base ${values.base} against this tree: ${CONNECTIONS} connections each, ${SECONDS} s rounds, both loaded at once`);
  for (const s of await scenarios(values.scenarios, work)) {
    /** Both servers loaded at once; every request must have been answered 2xx, or the CPU per request is not a request's work. */
    const load = async (seconds: number) => {
      const results = await Promise.all(
        servers.map((server) => wrk(`${server.url}${s.path}`, s.bodyFile, s.contentType, CONNECTIONS, seconds, work)),
      );
      for (const [i, r] of results.entries()) {
        if (r.non2xx + r.errors > 0) {
          throw new Error(
            `${servers[i]!.name}: ${r.non2xx} answers not 2xx, ${r.errors} socket errors; ${await whatItSays(servers[i]!, s)}`,
          );
        }
      }
      return results;
    };
    await load(3); // warm-up
    const ratios: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const before = servers.map((server) => cpuMicros(server.pid));
      const results = await load(SECONDS);
      const perRequest = servers.map((server, i) => (cpuMicros(server.pid) - before[i]!) / results[i]!.requests);
      ratios.push(perRequest[0]! / perRequest[1]!);
      console.log(
        `${s.name} round ${round}: ` +
          servers
            .map(
              (server, i) => `${server.name} ${results[i]!.requestsPerSec.toFixed(0)} req/s, ${perRequest[i]!.toFixed(0)} us CPU/request`,
            )
            .join('; ') +
          `; base / this tree ${ratios[round - 1]!.toFixed(2)}x`,
      );
    }
    const sorted = [...ratios].sort((a, b) => a - b);
    console.log(
      `${s.name}: CPU per request, base / this tree: median ${median(ratios).toFixed(2)}x (${sorted.map((r) => r.toFixed(2)).join(', ')})\n`,
    );
  }
} finally {
  await Promise.all(servers.map((server) => server.stop()));
  git('worktree', 'remove', '--force', baseTree);
  rmSync(work, { recursive: true, force: true });
}
