/**
 * Is a long latency tail under many keep-alive connections ours, or Node's? A bare node:http
 * server (no Fastify, no multipart, nothing of this project) whose handler reads the body and
 * then keeps the CPU busy for `--work-ms`, loaded with wrk exactly like bench/compare.ts loads
 * the service; once as is, once with the handler taking its turn first (src/inference/turns.ts,
 * as the service's inference routes do). As is, the tail is Node's: libuv accepts one new
 * connection per turn of the event loop, and a turn runs every request its poll brought, so
 * wrk's connections are accepted over seconds.
 *
 *   npx tsx bench/tail-baseline.ts [--work-ms 15] [--connections 16,64] [--seconds 10]
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { takeTurn } from '../src/inference/turns.js';
import { freePort } from './lib/child-server.js';
import { wrk } from './lib/wrk.js';

const { values } = parseArgs({
  options: {
    'work-ms': { type: 'string', default: '15' },
    connections: { type: 'string', default: '16,64' },
    seconds: { type: 'string', default: '10' },
  },
});
const workMs = Number(values['work-ms']);
const answer = JSON.stringify({ padding: 'x'.repeat(20_000) });

let takingTurns = false;
const server = createServer(async (request, response) => {
  if (takingTurns) await takeTurn();
  request.resume();
  request.on('end', () => {
    for (const start = performance.now(); performance.now() - start < workMs;);
    response.setHeader('content-type', 'application/json');
    response.end(answer);
  });
});
const port = await freePort();
await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));

const work = mkdtempSync(join(tmpdir(), 'tail-baseline-'));
const body = join(work, 'body');
writeFileSync(body, Buffer.alloc(30_000, 7)); // about the size of the 64-PNG batch body
console.log(`bare node:http, ${workMs} ms of CPU per request, wrk 1 thread, ${values.seconds} s per point`);
console.log('| handler | c | requests/s | p50 ms | p99 ms |');
console.log('| --- | --- | --- | --- | --- |');
for (const turns of [false, true]) {
  takingTurns = turns;
  for (const c of values.connections.split(',').map(Number)) {
    const r = await wrk(`http://127.0.0.1:${port}/`, body, 'application/octet-stream', c, Number(values.seconds), work);
    const handler = turns ? 'takes its turn' : 'as is';
    console.log(`| ${handler} | ${c} | ${r.requestsPerSec.toFixed(0)} | ${r.p50Ms.toFixed(1)} | ${r.p99Ms.toFixed(1)} |`);
  }
}
server.close();
