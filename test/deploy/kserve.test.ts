/**
 * The KServe manifests agree with the image, with the plain Deployment and with the app: they
 * parse, the InferenceService names the runtime and a format and protocol it supports, the
 * runtime runs the image as uid 1000 on the port it declares, its probes hit routes the app
 * really serves (answering 200 when ready), the weights load from where KServe's storage
 * initializer puts them, and the model the docs call is the one the app serves.
 */
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, extname, join, posix } from 'node:path';
import { parseAllDocuments } from 'yaml';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_WEIGHTS, loadConfig } from '../../src/config.js';
import { V2_MODEL_NAME } from '../../src/routes/v2/index.js';
import { toyDigitModel } from '../support/models.js';
import { startServer, type RunningServer } from '../support/server.js';

const ROOT = new URL('../../', import.meta.url);
const KSERVE_DIR = new URL('deploy/kserve/', ROOT);
const KUBERNETES_DIR = new URL('deploy/kubernetes/', ROOT);
/** where KServe's storage initializer puts the storageUri's contents (DefaultModelLocalMountPath) */
const MODEL_MOUNT = '/mnt/models';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: Obj;
}
interface EnvVar {
  name: string;
  value: string;
}

async function parseFile(url: URL): Promise<Manifest[]> {
  return parseAllDocuments(await readFile(url, 'utf8')).map((doc) => {
    expect(doc.errors, url.pathname).toEqual([]);
    return doc.toJS() as Manifest;
  });
}

const envOf = (container: Obj): Record<string, string> => Object.fromEntries((container.env as EnvVar[]).map((e) => [e.name, e.value]));

/** The runtime stage's ENV lines (KEY=VALUE pairs), the environment every container starts from. */
function dockerfileEnv(dockerfile: string): Record<string, string> {
  const runtimeStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const pairs = [...runtimeStage.matchAll(/^ENV (.+)$/gm)].flatMap((m) => m[1]!.trim().split(/\s+/));
  return Object.fromEntries(pairs.map((p) => p.split('=', 2) as [string, string]));
}

let kustomization: Obj;
let kserve: Manifest[];
let deployment: Manifest;
let hpa: Manifest;
let dockerfile: string;
let docsSection: string;
let server: RunningServer;

beforeAll(async () => {
  kustomization = (await parseFile(new URL('kustomization.yaml', KSERVE_DIR)))[0]!;
  kserve = [];
  for (const file of kustomization.resources as string[]) kserve.push(...(await parseFile(new URL(file, KSERVE_DIR))));
  deployment = (await parseFile(new URL('deployment.yaml', KUBERNETES_DIR)))[0]!;
  hpa = (await parseFile(new URL('hpa.yaml', KUBERNETES_DIR)))[0]!;
  dockerfile = await readFile(new URL('Dockerfile', ROOT), 'utf8');
  const docs = await readFile(new URL('docs/DEPLOYMENT.md', ROOT), 'utf8');
  const start = docs.indexOf('\n## KServe\n');
  expect(start, 'docs/DEPLOYMENT.md has a "## KServe" section').toBeGreaterThanOrEqual(0);
  const end = docs.indexOf('\n## ', start + 1);
  docsSection = docs.slice(start, end < 0 ? undefined : end);
  server = await startServer({}, { model: toyDigitModel() });
});
afterAll(() => server?.close());

const byKind = (kind: string): Manifest => {
  const found = kserve.filter((m) => m.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0]!;
};
const runtimeContainer = (): Obj => {
  const containers = byKind('ServingRuntime').spec.containers as Obj[];
  expect(containers).toHaveLength(1);
  return containers[0]!;
};
const plainContainer = (): Obj => deployment.spec.template.spec.containers[0];

describe('deploy/kserve', () => {
  it('parses, and the kustomization applies every manifest in the folder', async () => {
    const files = (await readdir(KSERVE_DIR)).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    expect([...(kustomization.resources as string[])].sort()).toEqual(files.sort());
    expect(byKind('ServingRuntime').apiVersion).toBe('serving.kserve.io/v1alpha1');
    expect(byKind('InferenceService').apiVersion).toBe('serving.kserve.io/v1beta1');
    expect(kserve).toHaveLength(2);
  });

  it('has the InferenceService use the runtime: by name, with a model format and protocol it supports', () => {
    const runtime = byKind('ServingRuntime');
    const model = byKind('InferenceService').spec.predictor.model;
    expect(model.runtime).toBe(runtime.metadata.name);
    const formats = runtime.spec.supportedModelFormats as Obj[];
    // KServe's SupportedModelFormat has these fields only; a misspelt one would be dropped or refused
    for (const f of formats) for (const key of Object.keys(f)) expect(['name', 'version', 'autoSelect', 'priority']).toContain(key);
    // KServe's rule: same name, and the same version when the InferenceService names one
    const match = formats.find(
      (f) => f.name === model.modelFormat.name && (model.modelFormat.version === undefined || f.version === model.modelFormat.version),
    );
    expect(match, `runtime supports ${JSON.stringify(model.modelFormat)}`).toBeDefined();
    // auto-selection: an InferenceService may leave `runtime` out
    expect(match!.autoSelect).toBe(true);
    expect(model.protocolVersion).toBe('v2');
    expect(runtime.spec.protocolVersions).toContain(model.protocolVersion);
  });

  it("runs the plain Deployment's image in one container named kserve-container, as uid 1000 on a read-only root", () => {
    const container = runtimeContainer();
    // KServe mounts /mnt/models into, and merges the InferenceService's settings with, this name only
    expect(container.name).toBe('kserve-container');
    expect(container.image).toBe(plainContainer().image);
    expect(container.command).toBeUndefined(); // the image's CMD, node dist/server.js
    const plainPod = deployment.spec.template.spec;
    // a ServingRuntime has no pod-level securityContext: the container carries all of it
    expect(container.securityContext).toMatchObject({ ...plainPod.securityContext, ...plainContainer().securityContext });
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    // the official node image's `node` user is uid 1000
    expect(dockerfile).toMatch(/^USER node$/m);
  });

  it('listens on the port it declares: PORT over the image default, which the image health check follows', () => {
    const container = runtimeContainer();
    const image = dockerfileEnv(dockerfile);
    expect(dockerfile).toMatch(new RegExp(`^EXPOSE ${image.PORT}$`, 'm'));
    const env = { ...image, ...envOf(container) };
    const config = loadConfig(env);
    expect(container.ports).toHaveLength(1);
    expect(container.ports[0].containerPort).toBe(config.PORT);
    expect(dockerfile).toMatch(/^HEALTHCHECK[\s\S]*?process\.env\.PORT/m);
    // the settings the plain Deployment gives the app, bar the port, are the same here
    const plain = envOf(plainContainer());
    for (const [name, value] of Object.entries(plain)) if (name !== 'PORT') expect(env[name], name).toBe(value);
    expect(config.WORKERS).toBe(1);
  });

  it("probes the plain Deployment's routes, which the app serves and answers with 200 when ready", async () => {
    const container = runtimeContainer();
    const healthcheck = /^HEALTHCHECK[\s\S]*?(\/[\w/]+)`/m.exec(dockerfile)?.[1];
    expect(container.readinessProbe.httpGet.path).toBe(healthcheck);
    for (const name of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      const probe = container[name];
      const plain = plainContainer()[name];
      expect(probe, name).toEqual(plain);
      expect(
        (container.ports as Obj[]).some((p) => p.name === probe.httpGet.port || p.containerPort === probe.httpGet.port),
        `${name} port`,
      ).toBe(true);
      await request(server.url).get(probe.httpGet.path).expect(200);
    }
  });

  it("has the plain Deployment's resources, preStop pause and a grace period the app's shutdown fits in", () => {
    const container = runtimeContainer();
    const predictor = byKind('InferenceService').spec.predictor;
    expect(container.resources).toEqual(plainContainer().resources);
    expect(predictor.model.resources).toEqual(plainContainer().resources);
    expect(container.lifecycle).toEqual(plainContainer().lifecycle);
    const preStop = container.lifecycle?.preStop?.sleep?.seconds ?? 0;
    const config = loadConfig({ ...dockerfileEnv(dockerfile), ...envOf(container) });
    expect(predictor.terminationGracePeriodSeconds).toBeGreaterThan(config.SHUTDOWN_GRACE_MS / 1000 + preStop);
  });

  it('scales like the plain HorizontalPodAutoscaler, in Standard (raw Deployment) mode', () => {
    const isvc = byKind('InferenceService');
    // KServe's webhook takes scaleMetric cpu only for Standard mode with the hpa autoscaler class
    expect(isvc.metadata.annotations).toMatchObject({
      'serving.kserve.io/deploymentMode': 'Standard',
      'serving.kserve.io/autoscalerClass': 'hpa',
    });
    const { predictor } = isvc.spec;
    const [metric] = hpa.spec.metrics as Obj[];
    expect(predictor.scaleMetric).toBe(metric!.resource.name);
    expect(predictor.scaleTarget).toBe(metric!.resource.target.averageUtilization);
    expect(predictor.minReplicas).toBe(hpa.spec.minReplicas);
    expect(predictor.maxReplicas).toBe(hpa.spec.maxReplicas);
  });

  it('reads its weights from where the storage initializer puts the storageUri, and they load', async () => {
    const weights = envOf(runtimeContainer()).WEIGHTS!;
    expect(posix.dirname(weights)).toBe(MODEL_MOUNT);
    expect(['.safetensors', '.pkl']).toContain(extname(weights));
    // the shipped weights file can be uploaded as it is
    expect(basename(weights)).toBe(basename(DEFAULT_WEIGHTS));
    const storageUri: string = byKind('InferenceService').spec.predictor.model.storageUri;
    expect(storageUri).toMatch(/^[a-z][a-z0-9+.-]*:\/\/\S+$/);
    // a URI that names a file (not a folder) lands under its own base name
    if (!storageUri.endsWith('/')) expect(posix.basename(storageUri)).toBe(basename(weights));

    const mount = await mkdtemp(join(tmpdir(), 'kserve-mount-'));
    let withFile: RunningServer | undefined;
    try {
      const local = join(mount, posix.relative('/', weights));
      await mkdir(join(local, '..'), { recursive: true });
      await copyFile(DEFAULT_WEIGHTS, local);
      withFile = await startServer({ WEIGHTS: local });
      await request(withFile.url).get(`/v2/models/${V2_MODEL_NAME}/ready`).expect(200);
    } finally {
      await withFile?.close();
      await rm(mount, { recursive: true, force: true });
    }
  });

  it('serves the model the docs call, under the InferenceService name, with the settings the docs state', async () => {
    // KServe's own runtimes serve a model under its InferenceService's name; this one keeps that
    expect(byKind('InferenceService').metadata.name).toBe(V2_MODEL_NAME);
    const routes = [...docsSection.matchAll(/\/v2\/models\/([\w.-]+)\/(ready|infer)\b/g)];
    expect(routes.map((m) => m[2])).toEqual(expect.arrayContaining(['ready', 'infer']));
    for (const [, model] of routes) expect(model).toBe(V2_MODEL_NAME);
    await request(server.url).get(`/v2/models/${V2_MODEL_NAME}/ready`).expect(200, { name: V2_MODEL_NAME, ready: true });
    const inferred = await request(server.url)
      .post(`/v2/models/${V2_MODEL_NAME}/infer`)
      .send({ id: '1', inputs: [{ name: 'pixels', shape: [1, 784], datatype: 'FP32', data: new Array(784).fill(0) }] })
      .expect(200);
    expect(inferred.body).toMatchObject({ model_name: V2_MODEL_NAME, id: '1' });
    expect(inferred.body.outputs.map((o: Obj) => o.name)).toEqual(['probabilities', 'predictions']);
    const env = envOf(runtimeContainer());
    expect(docsSection).toContain(`WEIGHTS=${env.WEIGHTS}`);
    expect(docsSection).toContain(`PORT=${env.PORT}`);
    expect(docsSection).toContain(`\`${byKind('ServingRuntime').metadata.name}\``);
  });
});
