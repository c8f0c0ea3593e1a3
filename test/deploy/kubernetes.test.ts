/**
 * The Kubernetes manifests agree with the image and the app: they parse, their probes hit
 * routes the app really serves (and answer 200 when ready), their port is the one the app
 * listens on, and they run as the image's non-root user.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { toyDigitModel } from '../support/models.js';
import { startServer, type RunningServer } from '../support/server.js';

const DIR = new URL('../../deploy/kubernetes/', import.meta.url);

interface Manifest {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

let manifests: Manifest[];
let server: RunningServer;

beforeAll(async () => {
  const files = (await readdir(DIR)).filter((f) => f.endsWith('.yaml'));
  manifests = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(await readFile(new URL(file, DIR), 'utf8'))) {
      expect(doc.errors, file).toEqual([]);
      manifests.push(doc.toJS() as Manifest);
    }
  }
  server = await startServer({}, { model: toyDigitModel() });
});
afterAll(() => server?.close());

const byKind = (kind: string) => {
  const found = manifests.filter((m) => m.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0]!;
};

describe('deploy/kubernetes', () => {
  it('holds a Deployment, a Service and a HorizontalPodAutoscaler that refer to each other', () => {
    const deployment = byKind('Deployment');
    const service = byKind('Service');
    const hpa = byKind('HorizontalPodAutoscaler');
    const podLabels = deployment.spec.template.metadata.labels;
    expect(deployment.spec.selector.matchLabels).toEqual(podLabels);
    for (const [k, v] of Object.entries(service.spec.selector)) expect(podLabels[k]).toBe(v);
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: deployment.metadata.name });
    const container = deployment.spec.template.spec.containers[0];
    expect(container.ports.map((p: { name: string }) => p.name)).toContain(service.spec.ports[0].targetPort);
    expect(container.resources.requests.cpu).toBeDefined();
  });

  it('probes routes that exist and answer 200 when the app is ready', async () => {
    const container = byKind('Deployment').spec.template.spec.containers[0];
    const probes = ['startupProbe', 'readinessProbe', 'livenessProbe'].map((p) => container[p].httpGet);
    for (const probe of probes) {
      expect(
        container.ports.some((p: { name: string; containerPort: number }) => p.name === probe.port || p.containerPort === probe.port),
      ).toBe(true);
      await request(server.url).get(probe.path).expect(200);
    }
    expect(container.readinessProbe.httpGet.path).toBe('/health/ready');
    expect(container.livenessProbe.httpGet.path).toBe('/health/live');
  });

  it('gives every probe a deliberate timeout, longer than the event-loop guard lets a worker stall', () => {
    const container = byKind('Deployment').spec.template.spec.containers[0];
    const env = Object.fromEntries(container.env.map((e: { name: string; value: string }) => [e.name, e.value]));
    const { MAX_EVENT_LOOP_DELAY_MS } = loadConfig(env);
    for (const name of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      expect(container[name].timeoutSeconds * 1000, name).toBeGreaterThan(MAX_EVENT_LOOP_DELAY_MS);
    }
    expect(container.livenessProbe.timeoutSeconds).toBeGreaterThan(container.readinessProbe.timeoutSeconds);
  });

  it('exposes the port the app listens on, with the same PORT setting', () => {
    const container = byKind('Deployment').spec.template.spec.containers[0];
    const env = Object.fromEntries(container.env.map((e: { name: string; value: string }) => [e.name, e.value]));
    const config = loadConfig(env);
    expect(container.ports[0].containerPort).toBe(config.PORT);
  });

  it('runs as the image user, uid 1000, never root', async () => {
    const pod = byKind('Deployment').spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    const dockerfile = await readFile(join(new URL('../../', import.meta.url).pathname, 'Dockerfile'), 'utf8');
    // the official node image's `node` user is uid 1000
    expect(dockerfile).toMatch(/^USER node$/m);
  });

  it('gives in-flight requests longer to finish than the app waits for them', () => {
    const pod = byKind('Deployment').spec.template.spec;
    const env = Object.fromEntries(pod.containers[0].env.map((e: { name: string; value: string }) => [e.name, e.value]));
    const preStop = pod.containers[0].lifecycle?.preStop?.sleep?.seconds ?? 0;
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(loadConfig(env).SHUTDOWN_GRACE_MS / 1000 + preStop);
  });
});
