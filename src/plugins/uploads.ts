/**
 * The bodies the service reads, each with its own limit: JSON (with a look at its shape before
 * it is parsed), raw image bytes and multipart forms. Nothing else: a text/plain body would
 * otherwise reach the routes as a string.
 */
import multipart from '@fastify/multipart';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { uploadLimits } from '../http/inputs.js';
import { registerJsonBodies } from '../http/json-body.js';

export const uploads = fp<{ config: Config }>(
  async (app, { config }) => {
    app.removeContentTypeParser('text/plain');
    registerJsonBodies(app, config);
    // raw image bodies: the bytes, not the declared type, decide the format later
    for (const type of [/^image\/[\w.+-]+$/i, 'application/octet-stream']) {
      app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: config.MAX_FILE_BYTES }, (_request, body, done) => done(null, body));
    }
    const { form } = uploadLimits(config);
    await app.register(multipart, {
      // an oversized file is marked truncated instead of failing the whole request (see http/inputs.ts)
      throwFileSizeLimit: false,
      limits: { fileSize: form.fileBytes, files: form.files, fields: form.fields, fieldSize: form.fieldBytes, parts: form.parts },
    });
  },
  { name: 'uploads' },
);
