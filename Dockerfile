# Hubbub in one container. Embedded by default (PGlite data on the /data volume);
# set DATABASE_URL and REDIS_URL to run many copies against PostgreSQL and Redis.
# .ci/container-smoke rebuilds this image's file layout and runs it, since CI has no Docker engine.

FROM node:22-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:22-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 DATA_DIR=/data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY src ./src
COPY views ./views
COPY public ./public
COPY drizzle ./drizzle
COPY scripts ./scripts
# The server and its dependencies compiled once into dist/ (scripts/build.mjs): a start then costs
# no TypeScript and few module files.
RUN npm run build
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Node runs as PID 1 and handles SIGTERM itself (graceful shutdown), so no init wrapper is needed.
CMD ["node", "--enable-source-maps", "dist/server.mjs"]
