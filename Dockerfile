# One image per service, built from the repository root:
#   docker build --build-arg SERVICE=services/package -t dronedelivery/package .
# SERVICE is services/<name> or gateway. The image holds that service, the shared packages
# and their production dependencies only, runs as a numeric non-root user, and writes
# nothing outside /tmp (it runs with a read-only root filesystem).
# Behind a TLS-inspecting proxy, pass its CA as a build secret:
#   DOCKER_BUILDKIT=1 docker build --secret id=extra_ca,src=/path/to/ca.pem ...
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
ARG SERVICE
ARG PNPM_VERSION=12.4.2
WORKDIR /app
ENV CI=true
RUN --mount=type=secret,id=extra_ca \
    if [ -f /run/secrets/extra_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/extra_ca; fi; \
    npm install --global --no-audit --no-fund "pnpm@${PNPM_VERSION}"
# Every workspace member's manifest (the lockfile describes them all), then only the
# sources the image needs: the shared packages and this service.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
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
RUN --mount=type=secret,id=extra_ca \
    if [ -f /run/secrets/extra_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/extra_ca; fi; \
    pnpm install --prod --frozen-lockfile --filter "$(node -p "require('./${SERVICE}/package.json').name")..." \
    && rm -rf ${SERVICE}/test ${SERVICE}/bench packages/*/test packages/*/bench

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
COPY --from=build /app/node_modules/ ./node_modules/
COPY --from=build /app/packages/ ./packages/
COPY --from=build /app/${SERVICE}/ ./${SERVICE}/
WORKDIR /app/${SERVICE}
USER 10001:10001
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--import", "@dronedelivery/service-kit/telemetry", "src/main.ts"]
