# syntax=docker/dockerfile:1
#
# Playpulse: one image, one CLI. The command picks the roles:
#   docker run playpulse serve ingest query      (default: the HTTP edge)
#   docker run playpulse serve analytics         (a consumer role)
#   docker run playpulse migrate                 (one-shot, idempotent)
# All configuration comes from the environment (see deploy/README.md).
#
# The edge (ingest, query) can also run on Bun or Deno, from the same compiled code:
#   docker build --target bun  -t playpulse-edge-bun  .   (Bun.serve)
#   docker build --target deno -t playpulse-edge-deno .   (Deno.serve, least permissions)
# Their entry takes the same arguments as the default image ("serve ingest query"), so a
# deployment switches runtime by switching image (docs/deploy.md). The default target is Node.

ARG NODE_IMAGE=node:20-bookworm-slim
ARG BUN_IMAGE=oven/bun:1.4.4-slim
ARG DENO_IMAGE=denoland/deno:debian-2.9.6

# ---- build: compile TypeScript, then drop dev dependencies -------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Manifests first, so the dependency layer is cached until they change.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
# Only src/ is built: the benchmark (test/bench, its own tsconfig) never reaches dist/ or the image.
COPY src ./src
RUN npm run build \
    && npm prune --omit=dev --no-audit --no-fund

# ---- bun: the edge on Bun, same files as the Node image ------------------------
FROM ${BUN_IMAGE} AS bun
ENV NODE_ENV=production \
    PLAYPULSE_HTTP_PORT=8080
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
    CMD ["bun", "-e", "fetch('http://127.0.0.1:' + (process.env.PLAYPULSE_HTTP_PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["bun", "dist/http/bun-main.js"]
CMD ["serve", "ingest", "query"]

# ---- deno: the edge on Deno, with the least permissions it needs ---------------
FROM ${DENO_IMAGE} AS deno
ENV NODE_ENV=production \
    PLAYPULSE_HTTP_PORT=8080 \
    DENO_NO_UPDATE_CHECK=1 \
    DENO_DIR=/tmp/deno
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
    CMD ["deno", "eval", "fetch('http://127.0.0.1:' + (Deno.env.get('PLAYPULSE_HTTP_PORT') || 8080) + '/healthz').then((r) => Deno.exit(r.ok ? 0 : 1), () => Deno.exit(1))"]
# Network, environment, reading /app and the host name: no writes, subprocesses or FFI.
ENTRYPOINT ["deno", "run", "--no-lock", "--no-prompt", "--allow-net", "--allow-env", "--allow-read=/app", "--allow-sys=hostname", "dist/http/deno-main.js"]
CMD ["serve", "ingest", "query"]

# ---- runtime: compiled JS and production node_modules only (the default target) --
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
