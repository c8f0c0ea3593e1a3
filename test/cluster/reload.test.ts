/**
 * Reloads as an operator does them, on the real entry point with two workers: SIGHUP to the
 * primary makes every worker look at the repository again, a refused file is one clear log
 * line per worker, and a model unloaded through the repository API on one worker is unloaded
 * on the other too, and in a worker that replaces one that died.
 */
import { copyFile, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_WEIGHTS } from '../../src/config.js';
import { freePort } from '../support/ports.js';
import { strokePixels } from '../support/pixels.js';
import { call, startService } from '../support/service-process.js';

async function putVersion(repository: string, name: string, version: string, bytes?: Buffer): Promise<void> {
  const file = join(repository, name, version, 'model.safetensors');
  await mkdir(join(repository, name, version), { recursive: true });
  if (bytes) await writeFile(`${file}.part`, bytes);
  else await copyFile(DEFAULT_WEIGHTS, `${file}.part`);
  await rename(`${file}.part`, file);
}

describe('WORKERS=2 with a model repository', () => {
  it('SIGHUP loads a new version in every worker; a bad file is refused in a log line; an unload reaches every worker', async () => {
    const repository = await mkdtemp(join(tmpdir(), 'digit-serve-cluster-reload-'));
    try {
      await putVersion(repository, 'digits', '2');
      await putVersion(repository, 'other', '1');
      const port = await freePort();
      const service = startService({ PORT: String(port), WORKERS: '2', MODEL_REPOSITORY: repository, MODEL_POLL_INTERVAL_MS: '0' });
      await service.ready(port);
      await service.waitFor('both workers', () => service.logs('"msg":"model loaded"').filter((l) => l.model === 'other').length === 2);

      await putVersion(repository, 'digits', '3');
      await putVersion(repository, 'digits', '4', Buffer.from('not a safetensors file'));
      service.signal('SIGHUP');
      const loaded = () => service.logs('model version loaded').filter((l) => l.version === '3');
      await service.waitFor('version 3 in both workers', () => loaded().length === 2);
      await service.waitFor('version 4 refused in both workers', () => service.logs('model version refused').length === 2);
      const refusal = service.logs('model version refused')[0]!;
      expect(refusal).toMatchObject({ level: 50, model: 'digits', version: '4' });
      expect(refusal.reason).toMatch(/cannot load weights from .*digits\/4\/model\.safetensors/);
      expect(new Set(loaded().map((l) => l.pid)).size).toBe(2);
      // fresh connections go round the workers: each answers with version 3
      for (let i = 0; i < 4; i++) {
        const answer = await call(port, 'POST', '/predict', { pixels: strokePixels() });
        expect(answer.status).toBe(200);
        expect(JSON.parse(answer.body).model.version).toBe('3');
      }

      expect((await call(port, 'POST', '/v2/repository/models/other/unload')).status).toBe(200);
      await service.waitFor('the other worker follows', () => service.logs('model version unloaded').length === 2);
      const served = async () => {
        const names = new Set<string>();
        for (let i = 0; i < 4; i++) {
          const models = JSON.parse((await call(port, 'GET', '/models')).body) as { models: { name: string }[] };
          for (const m of models.models) names.add(m.name);
        }
        return [...names];
      };
      expect(await served()).toEqual(['digits']);

      // a worker dies; its replacement reads the repository from disk, and is told of the unload
      const workerPids = [...new Set(service.logs('"msg":"model loaded"').map((l) => l.pid as number))];
      process.kill(workerPids[0]!, 'SIGKILL');
      await service.waitFor('a replacement listening', () => service.logs('Server listening').length === 3);
      const replacement = service.logs('Server listening').at(-1)!.pid;
      expect(workerPids).not.toContain(replacement);
      expect(await served()).toEqual(['digits']);
      expect(service.logs('model version unloaded').filter((l) => l.pid === replacement)).toHaveLength(1);
      service.signal('SIGTERM');
      expect(await service.exited).toBe(0);
    } finally {
      await rm(repository, { recursive: true, force: true });
    }
  }, 90_000);
});
