// The HTTP server every service starts from: Fastify with zod validation, request ids,
// problem+json errors, security headers, load shedding, probes and /metrics built in.
import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import swagger from '@fastify/swagger';
import underPressure from '@fastify/under-pressure';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController, type RawServerDefault } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { BaseConfig } from './config.ts';
import { Health } from './health.ts';
import { Lifecycle } from './lifecycle.ts';
import type { Logger } from './logger.ts';
import { Metrics } from './metrics.ts';
import { installProblemHandlers, problemType, sendProblem, titleFor } from './problems.ts';

export type ServiceInstance = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, ZodTypeProvider>;

declare module 'fastify' {
  interface FastifyInstance {
    /** Register dependency checks here; they decide readiness. */
    health: Health;
    /** This service's metrics registry and the API to add its own metrics. */
    metrics: Metrics;
    /** Cleanup to run at shutdown, in reverse order of registration. */
    lifecycle: Lifecycle;
    /** Name and version, as logged and exported in telemetry. */
    service: { name: string; version: string };
  }
}

export interface ServerOptions {
  name: string;
  version: string;
  logger: Logger;
  config: Pick<
    BaseConfig,
    | 'BODY_LIMIT_BYTES'
    | 'REQUEST_TIMEOUT_MS'
    | 'LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS'
    | 'LOAD_SHED_MAX_EVENT_LOOP_UTILIZATION'
    | 'LOAD_SHED_MAX_HEAP_USED_BYTES'
    | 'LOAD_SHED_RETRY_AFTER_SECONDS'
  >;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * Hardening headers for a JSON API (OWASP REST Security Cheat Sheet). Set as one fixed
 * object per response: @fastify/helmet runs a dozen Express middlewares per request and
 * halved the throughput of a hello route in our benchmark, for the same headers.
 */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
  'x-permitted-cross-domain-policies': 'none',
};
/** Probe and scrape routes stay out of request logs and load shedding. */
const OPERATIONAL_ROUTES = ['/healthz/live', '/healthz/ready', '/healthz/startup', '/metrics'];

export async function createServer(options: ServerOptions): Promise<ServiceInstance> {
  const { config } = options;
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    bodyLimit: config.BODY_LIMIT_BYTES,
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    requestIdHeader: false,
    // Honour a caller's x-request-id when it is well-formed, so one id follows a request
    // across services; otherwise mint one. Never trust arbitrary bytes into logs.
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    logController: new LogController({ disableRequestLogging: (request) => OPERATIONAL_ROUTES.includes(request.url) }),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Node enforces requestTimeout only when it sweeps connections, every 30 s by default:
    // a body trickling in (slowloris) would hold a connection that long whatever the limit.
    // Sweep often enough for the limit to mean what it says.
    serverFactory: (handler) =>
      createHttpServer(
        {
          requestTimeout: config.REQUEST_TIMEOUT_MS,
          ...(config.REQUEST_TIMEOUT_MS > 0
            ? { connectionsCheckingInterval: Math.min(1_000, Math.max(100, config.REQUEST_TIMEOUT_MS / 4)) }
            : {}),
        },
        handler,
      ),
  }).withTypeProvider<ZodTypeProvider>();
  // JSON only: Fastify would otherwise parse text/plain bodies and hand a string to routes
  // that expect objects; 415 says plainly what is wrong.
  app.removeContentTypeParser('text/plain');

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorate('service', { name: options.name, version: options.version });
  app.decorate('health', new Health());
  app.decorate('metrics', new Metrics(options.name));
  app.decorate('lifecycle', new Lifecycle());
  installProblemHandlers(app);

  app.addHook('onRequest', async (request, reply) => {
    reply.headers(SECURITY_HEADERS).header('x-request-id', request.id);
  });
  app.addHook('onSend', async (_request, reply) => {
    // While draining, ask clients to drop their keep-alive connections after this
    // response, so closing the server does not wait on idle sockets for the drain timeout.
    if (app.health.draining) reply.header('connection', 'close');
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    app.metrics.httpRequestDuration.observe(
      { method: request.method, route, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  app.addHook('onClose', async () => {
    await app.lifecycle.close(app.log);
  });

  registerLoadShedding(app, config);
  // Loaded before any route is declared, so that it sees every one of them.
  await registerOpenApi(app, options);
  registerProbes(app);
  return app;
}

/** `/openapi.json`: OpenAPI 3.1 generated from the routes' zod schemas, never written by hand. */
async function registerOpenApi(app: ServiceInstance, options: ServerOptions): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: `Drone Delivery ${options.name} service`, version: options.version },
    },
    transform: jsonSchemaTransform,
  });
  app.get('/openapi.json', { schema: { hide: true }, logLevel: 'warn' }, async () => app.swagger());
}

function registerLoadShedding(app: ServiceInstance, config: ServerOptions['config']): void {
  const retryAfter = config.LOAD_SHED_RETRY_AFTER_SECONDS;
  const shed = app.metrics.counter({
    name: 'http_server_shed_requests_total',
    help: 'Requests answered 503 because the process was under pressure.',
    labelNames: ['reason'],
  });
  app.register(underPressure, {
    maxEventLoopDelay: config.LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS,
    maxEventLoopUtilization: config.LOAD_SHED_MAX_EVENT_LOOP_UTILIZATION,
    maxHeapUsedBytes: config.LOAD_SHED_MAX_HEAP_USED_BYTES,
    retryAfter,
    pressureHandler: (request, reply, type) => {
      // Probes must keep answering under load: a shed liveness probe gets a busy pod killed.
      if (OPERATIONAL_ROUTES.includes(request.url)) return;
      shed.inc({ reason: type });
      sendProblem(
        reply,
        {
          type: problemType('overloaded'),
          title: titleFor(503),
          status: 503,
          detail: 'The service is under pressure and shed this request; retry later.',
          instance: request.url,
        },
        { 'retry-after': String(retryAfter) },
      );
    },
  });
}

function registerProbes(app: ServiceInstance): void {
  const noStore = { 'cache-control': 'no-store' };
  app.get('/healthz/live', { logLevel: 'warn', schema: { hide: true } }, async (_request, reply) => {
    const report = await app.health.liveness();
    reply.headers(noStore).code(report.alive ? 200 : 503);
    return { status: report.alive ? 'alive' : 'wedged', uptimeSeconds: Math.round(process.uptime()), checks: report.checks };
  });
  app.get('/healthz/startup', { logLevel: 'warn', schema: { hide: true } }, async (_request, reply) => {
    reply.headers(noStore).code(app.health.started ? 200 : 503);
    return { status: app.health.started ? 'started' : 'starting' };
  });
  app.get('/healthz/ready', { logLevel: 'warn', schema: { hide: true } }, async (_request, reply) => {
    const report = await app.health.readiness();
    reply.headers(noStore).code(report.ready ? 200 : 503);
    return { status: report.ready ? 'ready' : 'not-ready', state: report.state, checks: report.checks };
  });
  app.get('/metrics', { logLevel: 'warn', schema: { hide: true } }, async (_request, reply) => {
    reply.type(app.metrics.registry.contentType);
    return app.metrics.registry.metrics();
  });
}
