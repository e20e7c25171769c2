# syntax=docker/dockerfile:1
#
# Playpulse: one image, one CLI. The command picks the roles:
#   docker run playpulse serve ingest query      (default: the HTTP edge)
#   docker run playpulse serve analytics         (a consumer role)
#   docker run playpulse migrate                 (one-shot, idempotent)
# All configuration comes from the environment (see deploy/README.md).

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: compile TypeScript, then drop dev dependencies -------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Manifests first, so the dependency layer is cached until they change.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build \
    && npm prune --omit=dev --no-audit --no-fund

# ---- runtime: compiled JS and production node_modules only -------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PLAYPULSE_HTTP_PORT=8080
WORKDIR /app
# A fixed, numeric non-root user, so Kubernetes' runAsNonRoot can verify it.
RUN groupadd --system --gid 10001 playpulse \
    && useradd --system --uid 10001 --gid 10001 --no-create-home \
       --home-dir /nonexistent --shell /usr/sbin/nologin playpulse
# Files stay owned by root: the app reads them but cannot change them.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER 10001:10001
EXPOSE 8080
# /healthz answers while the process is up; dependencies are /readyz's job.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PLAYPULSE_HTTP_PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM goes straight to node (exec form, no shell): the app drains, flushes and acks.
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["serve", "ingest", "query"]
