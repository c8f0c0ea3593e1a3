/** Start-up as an operator sees it: the real entry point, a real process, its stderr and exit code. */
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

async function startWith(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  try {
    await run(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...env },
      timeout: 30_000,
    });
    return { code: 0, stderr: '' };
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

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

  it('lists every invalid setting at once', async () => {
    const { code, stderr } = await startWith({ PORT: 'eighty', LOG_LEVEL: 'loud' });
    expect(code).toBe(1);
    expect(stderr).toContain('PORT');
    expect(stderr).toContain('LOG_LEVEL');
  });
});
