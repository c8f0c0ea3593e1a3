/**
 * Route schemas (query, params, headers, body) checked with zod, as fastify-type-provider-zod
 * checks them, but worded as every other zod failure is (one-line.ts), each issue with the value
 * it is about. fastify answers the Error as FST_ERR_VALIDATION, which errors.ts maps to
 * invalid_input.
 */
import type { FastifySchemaCompiler } from 'fastify';
import type { z } from 'zod';
import { describeIssues } from '../one-line.js';

export const validatorCompiler: FastifySchemaCompiler<z.ZodType> =
  ({ schema, httpPart }) =>
  (data) => {
    const parsed = schema.safeParse(data);
    if (parsed.success) return { value: parsed.data };
    return { error: new Error(describeIssues(parsed.error, { root: httpPart ?? 'value', input: data })) };
  };
