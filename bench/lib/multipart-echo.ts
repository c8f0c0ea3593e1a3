/**
 * A bare Fastify route that reads one multipart upload with @fastify/multipart and answers its
 * size: bench/gc.ts's reproduction, nothing of this project. With HOLD_OBJECTS=n it first
 * builds n small objects and keeps them alive, as a real service holds its modules, schemas
 * and model (300,000 make about 20 MB).
 */
import Fastify from 'fastify';
import multipart from '@fastify/multipart';

const held: { i: number; s: string }[] = [];
for (let i = 0; i < Number(process.env.HOLD_OBJECTS ?? 0); i++) held.push({ i, s: `object ${i}` });

const app = Fastify();
await app.register(multipart);
app.get('/', async () => ({ held: held.length }));
app.post('/', async (request) => {
  let bytes = 0;
  for await (const part of request.parts()) if (part.type === 'file') bytes += (await part.toBuffer()).length;
  return { bytes };
});
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
