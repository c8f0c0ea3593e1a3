/** What /docs shows of the Open Inference Protocol routes, read from /openapi.json as Swagger UI reads it. */
import type { OpenAPIV3 } from 'openapi-types';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toyDigitModel } from '../support/models.js';
import { startServer, type RunningServer } from '../support/server.js';

let server: RunningServer;
let doc: OpenAPIV3.Document;

beforeAll(async () => {
  server = await startServer({}, { model: toyDigitModel() });
  doc = (await request(server.url).get('/openapi.json').expect(200)).body as OpenAPIV3.Document;
});
afterAll(() => server?.close());

describe('/openapi.json', () => {
  it.each(['/v2/models/{model}/infer', '/v2/models/{model}/versions/{version}/infer'])(
    'gives %s a request body schema and an example that "Try it out" can send as it is',
    async (path) => {
      const body = doc.paths[path]?.post?.requestBody as OpenAPIV3.RequestBodyObject | undefined;
      const json = body?.content['application/json'];
      expect(json?.schema).toMatchObject({ type: 'object', required: ['inputs'] });
      expect(Object.keys((json?.schema as OpenAPIV3.SchemaObject).properties ?? {})).toEqual(['id', 'parameters', 'inputs', 'outputs']);
      expect(body?.content['application/octet-stream']).toBeDefined();
      const example = json?.example as { inputs: unknown[] };
      expect(JSON.stringify(example).length).toBeLessThan(1_000);
      const url = path.replace('{model}', 'mnist').replace('{version}', server.app.models.default.ref.version);
      const res = await request(server.url).post(url).send(example).expect(200);
      expect(res.body.outputs.map((o: { name: string }) => o.name)).toEqual(['probabilities', 'predictions']);
    },
  );

  it('documents the versioned routes', () => {
    for (const path of ['/v2/models/{model}/versions/{version}', '/v2/models/{model}/versions/{version}/ready']) {
      expect(doc.paths[path]?.get?.parameters).toContainEqual(expect.objectContaining({ in: 'path', name: 'version', required: true }));
    }
  });

  it("shows no integer bound of Number.MAX_SAFE_INTEGER, which /docs would offer as every integer's example", () => {
    const text = JSON.stringify(doc);
    expect(text).not.toContain(String(Number.MAX_SAFE_INTEGER));
    // the bounds a schema does set stay
    expect(text).toContain('"minimum":0');
  });
});

describe('the lock /docs shows', () => {
  const operations = (document: OpenAPIV3.Document) =>
    Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item ?? {})
        .filter(([method]) => ['get', 'post'].includes(method))
        .map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, security: (op as OpenAPIV3.OperationObject).security })),
    );
  const API_ROUTE = /^(GET|POST) \/(predict|read|eval|models|v2\/models|v2\/repository)/;

  it('is on every API route when API_KEYS is set, a key required, and on nothing else', async () => {
    const keyed = await startServer({ API_KEYS: 'k1' }, { model: toyDigitModel() });
    try {
      const keyedDoc = (await request(keyed.url).get('/openapi.json').expect(200)).body as OpenAPIV3.Document;
      const all = operations(keyedDoc);
      expect(all.filter((o) => API_ROUTE.test(o.route)).length).toBeGreaterThan(8);
      for (const { route, security } of all) {
        expect(security, route).toEqual(API_ROUTE.test(route) ? [{ bearer: [] }, { apiKey: [] }] : undefined);
      }
    } finally {
      await keyed.close();
    }
  });

  it('is nowhere when no key is configured', () => {
    for (const { route, security } of operations(doc)) expect(security, route).toBeUndefined();
  });
});
