# One image per service, built from the repository root:
#   docker build --build-arg SERVICE=services/package -t dronedelivery/package .
# SERVICE is a unit's folder: services/<name>, gateway, console or simulator. The image runs that unit compiled to JavaScript:
# the dist/ of the service and of the shared packages it uses, with their production
# dependencies only (no TypeScript sources, no compiler). It runs as a numeric non-root user,
# and writes nothing outside /tmp (it runs with a read-only root filesystem).
# Behind a TLS-inspecting proxy, pass its CA as a build secret:
#   DOCKER_BUILDKIT=1 docker build --secret id=extra_ca,src=/path/to/ca.pem ...
ARG NODE_IMAGE=node:24-bookworm-slim

# The workspace's manifests (the lockfile describes them all), then only the sources the
# image needs: the shared packages and this service.
FROM ${NODE_IMAGE} AS workspace
ARG SERVICE
ARG PNPM_VERSION=12.4.2
WORKDIR /app
ENV CI=true
RUN --mount=type=secret,id=extra_ca \
    if [ -f /run/secrets/extra_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/extra_ca; fi; \
    npm install --global --no-audit --no-fund "pnpm@${PNPM_VERSION}"
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml tsconfig.base.json tsconfig.build.json ./
COPY packages/ ./packages/
COPY services/package/package.json ./services/package/
COPY services/delivery/package.json ./services/delivery/
COPY services/dronescheduler/package.json ./services/dronescheduler/
COPY services/ingestion/package.json ./services/ingestion/
COPY services/workflow/package.json ./services/workflow/
COPY gateway/package.json ./gateway/
COPY embedded/package.json ./embedded/
COPY e2e/package.json ./e2e/
COPY ${SERVICE}/ ./${SERVICE}/

# The service and the shared packages it runs with (its production dependencies, followed
# through the workspace), each compiled from src/ to dist/ by its build script.
FROM workspace AS build
RUN --mount=type=secret,id=extra_ca \
    if [ -f /run/secrets/extra_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/extra_ca; fi; \
    unit="$(node -p "require('./${SERVICE}/package.json').name")..." \
    && pnpm install --frozen-lockfile --filter-prod "$unit" \
    && pnpm --filter-prod "$unit" run build \
    && for dir in packages/* "${SERVICE}"; do \
         if [ -d "$dir/dist" ]; then mkdir -p "/compiled/$dir" && cp -r "$dir/dist" "/compiled/$dir/"; fi; \
       done

# What the service runs: the same packages with production dependencies only, each reduced
# to its manifest and dist/; the packages it does not use (nothing was built there) go.
FROM workspace AS runtime
RUN --mount=type=secret,id=extra_ca \
    if [ -f /run/secrets/extra_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/extra_ca; fi; \
    pnpm install --prod --frozen-lockfile --filter-prod "$(node -p "require('./${SERVICE}/package.json').name")..."
COPY --from=build /compiled/ ./
RUN for dir in packages/* "${SERVICE}"; do \
      if [ -d "$dir/dist" ]; then find "$dir" -mindepth 1 -maxdepth 1 ! -name package.json ! -name node_modules ! -name dist -exec rm -rf {} +; \
      else rm -rf "$dir"; fi; \
    done

FROM ${NODE_IMAGE}
ARG SERVICE
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.source="https://github.com/fabrikam/dronedelivery" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.title="dronedelivery ${SERVICE}" \
      org.opencontainers.image.licenses="MIT"
ENV NODE_ENV=production HOST=0.0.0.0 SERVICE_DIR=/app/${SERVICE}
WORKDIR /app
COPY --from=runtime /app/node_modules/ ./node_modules/
COPY --from=runtime /app/packages/ ./packages/
COPY --from=runtime /app/${SERVICE}/ ./${SERVICE}/
WORKDIR /app/${SERVICE}
USER 10001:10001
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The production export condition makes every workspace package resolve to its dist/ (their
# package.json "exports"); source maps put the TypeScript file and line in stack traces.
CMD ["node", "--conditions=production", "--enable-source-maps", "--import", "@dronedelivery/service-kit/telemetry", "dist/main.js"]
