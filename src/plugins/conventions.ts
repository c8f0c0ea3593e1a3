/**
 * What every route of the service keeps to: zod schemas validate and serialise (failures worded
 * as every zod failure is), every answer carries its X-Request-Id, and every failure leaves
 * through the one error handler as a problem+json body.
 */
import fp from 'fastify-plugin';
import { serializerCompiler } from 'fastify-type-provider-zod';
import { registerErrorHandling } from '../http/errors.js';
import { validatorCompiler } from '../http/validation.js';

export const conventions = fp(
  async (app) => {
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    app.addHook('onSend', async (request, reply) => {
      reply.header('x-request-id', request.id);
    });
    registerErrorHandling(app);
  },
  { name: 'conventions' },
);
