/**
 * The web page: public/ served at GET / (index.html) and its assets by their paths.
 *
 * One route per file found at start-up (`wildcard: false`), so the page adds no catch-all
 * route: an unknown path still gets the API's own 404 `not_found` problem. The page calls the
 * API from the same origin, so its Content-Security-Policy allows nothing from elsewhere:
 * scripts, styles and fetches from 'self' only, images from 'self' and data:/blob: URLs (the
 * model-input preview and uploaded files).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';

/** public/ at the repository root: two levels up from src/routes/ and from dist/routes/ alike */
export const PUBLIC_DIR = fileURLToPath(new URL('../../public/', import.meta.url));

export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const pageRoutes: FastifyPluginAsync = async (app) => {
  // an install without public/ (an image built without it) still serves the API
  if (!existsSync(join(PUBLIC_DIR, 'index.html'))) {
    app.log.warn({ dir: PUBLIC_DIR }, 'no web page: public/index.html not found');
    return;
  }
  await app.register(fastifyStatic, {
    root: PUBLIC_DIR,
    prefix: '/',
    wildcard: false,
    decorateReply: false,
    index: ['index.html'],
    // small files that change with each release: revalidate (ETag) instead of caching blindly
    cacheControl: true,
    maxAge: 0,
    setHeaders: (reply, path) => {
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'no-referrer');
      if (path.endsWith('.html')) reply.header('content-security-policy', PAGE_CSP);
    },
  });
};
