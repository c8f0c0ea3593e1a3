# Build: install everything, compile the WebAssembly kernels (AssemblyScript -> dist/pixels.wasm, dist/model.wasm) and
# TypeScript, then drop the dev dependencies.
FROM node:26-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY assembly ./assembly
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# Run: compiled JavaScript, production dependencies and the shipped weights only.
FROM node:26-bookworm-slim
# MALLOC_ARENA_MAX: glibc gives each thread that allocates an arena of its own, up to eight per
# core; libvips' decode threads leave them fragmented, so RSS climbs load after load while the
# JS heap stays flat. Two arenas hold it level (docs/DEPLOYMENT.md, docs/BENCHMARKS.md).
ENV NODE_ENV=production PORT=3000 HOST=0.0.0.0 MALLOC_ARENA_MAX=2 MODEL_REPOSITORY=/app/weights DEFAULT_MODEL=digits
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY weights ./weights
COPY public ./public
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/health/ready`).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
CMD ["node", "dist/server.js"]
