/**
 * The most one Node process does for our request shape: Fastify and @fastify/multipart read
 * the upload (every file of it) and answer ten constant probabilities per file, nothing
 * decoded, nothing computed. bench/compare.ts's "ceiling": a worker of ours can at best come
 * close to it.
 */
import Fastify from 'fastify';
import multipart from '@fastify/multipart';

const answer = { prediction: 0, confidence: 0.1, probabilities: new Array(10).fill(0.1) };
const app = Fastify();
await app.register(multipart, { limits: { files: 256, fileSize: 15_000_000 } });
app.get('/ready', async () => ({ ready: true }));
app.post('/predict', async (request) => {
  const file = await request.file();
  await file?.toBuffer();
  return answer;
});
app.post('/predict/batch', async (request) => {
  const results = [];
  for await (const part of request.files()) {
    await part.toBuffer();
    results.push(answer);
  }
  return { count: results.length, results };
});
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
