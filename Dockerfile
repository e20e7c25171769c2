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

# Base images, pinned by digest: a tag can be moved, a digest cannot. Each digest is the tag's
# multi-platform index. No registry was reachable where these were written, so they were taken
# from the same tag pinned in several independent public repositories. To refresh (or check) one:
#   docker buildx imagetools inspect node:24-bookworm-slim      (the top "Digest:" line)
# then update it here and in docs/deploy.md#images.
# Node 24 LTS (24.18.0 when pinned).
ARG NODE_IMAGE=node:24-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d
# No public pin of oven/bun:1.4.4-slim was found: a tag only, until you pin it with the command above.
ARG BUN_IMAGE=oven/bun:1.4.4-slim
ARG DENO_IMAGE=denoland/deno:debian-2.9.6@sha256:2014dc167ece617ef7e7ba40631ac2234c59e75ce693e7cc2dc2602b3c87859d
# The OCI labels (org.opencontainers.image.*) that a release sets (docs/deploy.md#images):
#   docker build --build-arg VERSION=1.4.0 --build-arg REVISION=$(git rev-parse HEAD) \
#     --build-arg SOURCE=$(git remote get-url origin) --build-arg LICENSES=<SPDX expression> .
# The defaults: package.json's version (a test keeps them equal); no source URL or license is
# declared in the repository yet, so "unknown" and SPDX's NOASSERTION rather than a guess.
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG SOURCE=unknown
ARG LICENSES=NOASSERTION

# ---- build: compile TypeScript, then drop dev dependencies -------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Manifests first, so the dependency layer is cached until they change. Bun and Deno are
# devDependencies that only the tests run: image-manifests.ts drops them (and what only they pull
# in) from both manifests, so this npm ci installs neither; the build needs every other one.
COPY package.json package-lock.json ./
COPY scripts/image-manifests.ts ./scripts/
RUN node scripts/image-manifests.ts \
    && npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
# Only src/ is built: the benchmark (test/bench, its own tsconfig) never reaches dist/ or the image.
# tsconfig.build.json emits a .js.map beside each file, which --enable-source-maps reads below.
COPY src ./src
RUN npm run build \
    && npm prune --omit=dev --no-audit --no-fund

# ---- bun: the edge on Bun, same files as the Node image ------------------------
FROM ${BUN_IMAGE} AS bun
ARG VERSION
ARG REVISION
ARG SOURCE
ARG LICENSES
LABEL org.opencontainers.image.title="playpulse-edge-bun" \
      org.opencontainers.image.description="Playpulse's HTTP edge (ingest, query) on Bun" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="${LICENSES}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
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
ARG VERSION
ARG REVISION
ARG SOURCE
ARG LICENSES
LABEL org.opencontainers.image.title="playpulse-edge-deno" \
      org.opencontainers.image.description="Playpulse's HTTP edge (ingest, query) on Deno" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="${LICENSES}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
# DENO_V8_FLAGS: the edge's heap limit on Deno (src/roles/heap.ts); with Deno's default the ingest
# role passed 300 MB RSS (docs/benchmarks.md#memory-per-process). A Deployment can replace it.
ENV NODE_ENV=production \
    PLAYPULSE_HTTP_PORT=8080 \
    DENO_NO_UPDATE_CHECK=1 \
    DENO_DIR=/tmp/deno \
    DENO_V8_FLAGS=--max-old-space-size=256
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
ARG VERSION
ARG REVISION
ARG SOURCE
ARG LICENSES
LABEL org.opencontainers.image.title="playpulse" \
      org.opencontainers.image.description="Playpulse: real-time analytics and recommendations for video streaming, HTTP events to NATS JetStream to ClickHouse" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="${LICENSES}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
# NODE_OPTIONS: the heap limit of the worker roles (src/roles/heap.ts), which Kubernetes replaces
# with each Deployment's own (the edge 384); without a limit V8 lets the heap grow to four times
# its live set (docs/benchmarks.md#memory-per-process).
ENV NODE_ENV=production \
    PLAYPULSE_HTTP_PORT=8080 \
    NODE_OPTIONS=--max-old-space-size=576
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
# --enable-source-maps: stack traces name src/*.ts lines. A flag here, not NODE_OPTIONS, which the
# Kubernetes manifests set for the heap size and would replace.
ENTRYPOINT ["node", "--enable-source-maps", "dist/cli/main.js"]
CMD ["serve", "ingest", "query"]
