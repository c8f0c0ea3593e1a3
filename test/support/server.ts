/** Run the real app on a real loopback port, as a client would see it. */
import type { FastifyInstance } from 'fastify';
import { buildApp, type BuildOptions } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';

export interface RunningServer {
  readonly app: FastifyInstance;
  readonly url: string;
  close(): Promise<void>;
}

export function testConfig(env: Record<string, string | undefined> = {}): Config {
  return loadConfig({ LOG_LEVEL: 'silent', PORT: '0', HOST: '127.0.0.1', ...env });
}

export async function startServer(env: Record<string, string | undefined>, options: BuildOptions = {}): Promise<RunningServer> {
  const config = testConfig(env);
  const app = await buildApp(config, options);
  await app.listen({ port: config.PORT, host: config.HOST });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  return { app, url: `http://127.0.0.1:${address.port}`, close: () => app.close() };
}
