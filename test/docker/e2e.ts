/**
 * End-to-end test of the real container: build the image with docker compose, bring it to
 * healthy, classify a real image, check /eval, check the image's contents and user, stop it
 * with SIGTERM and check it exited cleanly. Needs Docker (../shared/tools/docker-offline sets
 * it up on these machines). Run: npm run test:docker
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import sharp from 'sharp';
import { loadMnistSplit } from '../../src/data/idx.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SHARED = process.env.DIGIT_SERVE_SHARED_DATA ?? resolve(ROOT, '../shared/data');
const PORT = process.env.DOCKER_TEST_PORT ?? '3917';
const PROJECT = 'digit-serve-e2e';
const BASE = `http://127.0.0.1:${PORT}`;

const env = {
  ...process.env,
  PORT,
  COMPOSE_PROJECT_NAME: PROJECT,
  ...(existsSync(resolve(SHARED, 'mnist')) ? { MNIST_HOST_DIR: resolve(SHARED, 'mnist'), MNIST_DIR: '/data/mnist' } : {}),
};
const sh = (cmd: string, args: string[], quiet = false): string =>
  execFileSync(cmd, args, { cwd: ROOT, env, encoding: 'utf8', stdio: ['ignore', 'pipe', quiet ? 'pipe' : 'inherit'] }).trim();
const compose = (...args: string[]) => sh('docker', ['compose', ...args]);

let passed = 0;
let failed = 0;
function check(name: string, ok: boolean, detail = ''): void {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? `: ${detail}` : ''}`);
}

async function main(): Promise<void> {
  const started = Date.now();
  compose('build');
  compose('up', '-d', '--wait', '--wait-timeout', '90');
  const cid = compose('ps', '-q', 'digit-serve');
  check('container reports healthy', sh('docker', ['inspect', '-f', '{{.State.Health.Status}}', cid]) === 'healthy');

  const image = sh('docker', ['inspect', '-f', '{{.Image}}', cid]);
  const size = Number(sh('docker', ['image', 'inspect', '-f', '{{.Size}}', image]));
  console.log(`image size: ${(size / 1e6).toFixed(0)} MB`);
  check('runs as uid 1000', sh('docker', ['exec', cid, 'id', '-u']) === '1000');
  const nodeVersion = sh('docker', ['run', '--rm', '--network', 'host', image, 'node', '-v']);
  check('the image runs Node 26', nodeVersion.startsWith('v26.'), nodeVersion);
  const inImage = (test: string) => {
    try {
      sh('docker', ['exec', cid, 'sh', '-c', test], true);
      return true;
    } catch {
      return false;
    }
  };
  check('the service runs with two malloc arenas', inImage('tr "\\0" "\\n" < /proc/1/environ | grep -qx MALLOC_ARENA_MAX=2'));
  check(
    'no dev dependencies in the image',
    inImage('! test -e node_modules/vitest && ! test -e node_modules/typescript && ! test -e node_modules/tsx'),
  );
  check(
    'no trainer, data preparation or CLI in the image (tools/ stays out)',
    inImage('! test -e /app/tools && ! find /app/dist -path "*/train/*" -o -path "*/cli/*" -o -name "npm-mnist.js" | grep -q .'),
  );
  check(
    'no TypeScript sources in the image',
    inImage('! find /app -name "*.ts" -not -name "*.d.ts" -not -path "*/node_modules/*" | grep -q .'),
  );

  const test = await loadMnistSplit(resolve(SHARED, 'mnist'), 't10k').catch(() => undefined);
  // without ../shared, a hand-drawn vertical stroke stands in for a real digit
  const pixels = test
    ? Buffer.from(test.images.subarray(0, 784))
    : Buffer.from(Array.from({ length: 784 }, (_, i) => (i % 28 === 14 && i > 150 && i < 650 ? 255 : 0)));
  const png = await sharp(pixels, { raw: { width: 28, height: 28, channels: 1 } })
    .png()
    .toBuffer();
  const form = new FormData();
  form.append('image', new Blob([png], { type: 'image/png' }), 'digit.png');
  const predict = await fetch(`${BASE}/predict`, { method: 'POST', body: form });
  const answer = (await predict.json()) as { prediction: number; probabilities: number[] };
  check('POST /predict answers 200 with ten probabilities', predict.status === 200 && answer.probabilities?.length === 10);
  if (test) check('the first official test digit is read as a 7', answer.prediction === test.labels[0], `got ${answer.prediction}`);

  const models = (await (await fetch(`${BASE}/models`)).json()) as { default: string; models: { name: string; defaultVersion: string }[] };
  check(
    'the image serves its repository: digits 2 (the default) and fashion 1',
    models.default === 'digits' && models.models.map((m) => `${m.name} ${m.defaultVersion}`).join(', ') === 'digits 2, fashion 1',
    JSON.stringify(models.models.map((m) => [m.name, m.defaultVersion])),
  );
  const fashion = (await (await fetch(`${BASE}/eval?model=fashion`)).json()) as { accuracy: number; model: { name: string } };
  check(
    'GET /eval?model=fashion scores the fashion model',
    fashion.model?.name === 'fashion' && fashion.accuracy > 0.85,
    String(fashion.accuracy),
  );

  const evalRes = await fetch(`${BASE}/eval`);
  const report = (await evalRes.json()) as { accuracy: number; dataset: { name: string; size: number } };
  check('GET /eval answers 200', evalRes.status === 200, JSON.stringify(report.dataset));
  check('GET /eval accuracy is far above chance', report.accuracy > 0.9, String(report.accuracy));

  const stopStart = Date.now();
  compose('stop', '-t', '20');
  const exitCode = sh('docker', ['inspect', '-f', '{{.State.ExitCode}}', cid]);
  check('SIGTERM stops the container with exit code 0', exitCode === '0', `exit ${exitCode} after ${Date.now() - stopStart} ms`);
  const logs = sh('docker', ['logs', cid], true);
  check('the service logged its graceful shutdown', logs.includes('all workers stopped') || logs.includes('shutting down'));
  console.log(`docker end-to-end: ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

try {
  await main();
} catch (err) {
  failed++;
  console.error('FAIL', err);
} finally {
  try {
    compose('down', '--remove-orphans', '-t', '5');
  } catch {
    // nothing left to clean
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 ? 0 : 1;
}
