// The HTTP server every service starts from: Fastify with zod validation, request ids,
// problem+json errors, security headers, load shedding, probes and /metrics built in.
import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import swagger from '@fastify/swagger';
import underPressure from '@fastify/under-pressure';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RawServerDefault } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { AccessLog } from './access-log.ts';
import type { BaseConfig } from './config.ts';
import { Health } from './health.ts';
import { installJsonBodyParser } from './json-body.ts';
import { Lifecycle } from './lifecycle.ts';
import type { Logger } from './logger.ts';
import { Metrics } from './metrics.ts';
import {
  installProblemHandlers,
  PROBLEM_CONTENT_TYPE,
  type Problem,
  problemType,
  rawProblemResponse,
  sendProblem,
  titleFor,
} from './problems.ts';

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
  openApi?: OpenApiOptions;
}

/** What a service adds to its generated OpenAPI document. */
export interface OpenApiOptions {
  /** `components.securitySchemes`, e.g. `{ bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } }`. */
  securitySchemes?: Record<string, SecurityScheme>;
}

export type SecurityScheme =
  | { type: 'http'; scheme: string; bearerFormat?: string; description?: string }
  | { type: 'apiKey'; name: string; in: 'header' | 'query' | 'cookie'; description?: string };

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
/**
 * Identifiers in the contract are up to 128 characters, and a client may percent-encode each
 * of them: the router must let a path parameter three times that long through to validation,
 * which then says what is wrong with it (Fastify's default of 100 answered 414 instead).
 */
const MAX_PATH_PARAMETER_LENGTH = 128 * 3;
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
    logController: new AccessLog({ disableRequestLogging: (request) => OPERATIONAL_ROUTES.includes(request.url) }),
    routerOptions: { maxParamLength: MAX_PATH_PARAMETER_LENGTH },
    // Fastify's own answers for these are plain JSON; the kit answers them as problems.
    return503OnClosing: false,
    frameworkErrors: (error, request, reply) => {
      const status = error.statusCode ?? 500;
      reply.headers(SECURITY_HEADERS).header('x-request-id', request.id);
      sendProblem(reply, {
        type: problemType(status === 414 ? 'uri-too-long' : status < 500 ? 'bad-url' : 'internal'),
        title: titleFor(status),
        status,
        detail: status === 414 ? `A path segment is longer than ${MAX_PATH_PARAMETER_LENGTH} characters.` : error.message,
        instance: request.url,
      });
    },
    clientErrorHandler: (error, socket) => answerClientError(options.logger as FastifyBaseLogger, error, socket),
    forceCloseConnections: 'idle',
    // Node enforces requestTimeout only when it sweeps connections, every 30 s by default:
    // a body trickling in (slowloris) would hold a connection that long whatever the limit.
    // Sweep often enough for the limit to mean what it says.
    serverFactory: (handler) => {
      const server = createHttpServer(
        {
          requestTimeout: config.REQUEST_TIMEOUT_MS,
          ...(config.REQUEST_TIMEOUT_MS > 0
            ? { connectionsCheckingInterval: Math.min(1_000, Math.max(100, config.REQUEST_TIMEOUT_MS / 4)) }
            : {}),
        },
        handler,
      );
      // An `Expect` other than 100-continue: Node would answer a bare 417 itself.
      server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => {
        const problem = {
          type: problemType('expectation-failed'),
          title: titleFor(417),
          status: 417,
          detail: 'The only expectation this server meets is 100-continue.',
          instance: request.url ?? '/',
        };
        const body = JSON.stringify(problem);
        response
          .writeHead(417, { ...SECURITY_HEADERS, 'content-type': PROBLEM_CONTENT_TYPE, 'content-length': Buffer.byteLength(body) })
          .end(body);
      });
      return server;
    },
  }).withTypeProvider<ZodTypeProvider>();
  // JSON only: Fastify would otherwise parse text/plain bodies and hand a string to routes
  // that expect objects; 415 says plainly what is wrong.
  app.removeContentTypeParser('text/plain');
  installJsonBodyParser(app);

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorate('service', { name: options.name, version: options.version });
  app.decorate('health', new Health());
  app.decorate('metrics', new Metrics(options.name));
  app.decorate('lifecycle', new Lifecycle());
  installProblemHandlers(app);

  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (request, reply) => {
    reply.headers(SECURITY_HEADERS).header('x-request-id', request.id);
    // A request that arrives on a kept-alive connection once the server is closing: refuse
    // it rather than start work the load balancer should send elsewhere.
    if (closing) {
      sendProblem(
        reply,
        {
          type: problemType('shutting-down'),
          title: titleFor(503),
          status: 503,
          detail: 'The service is shutting down; retry, another instance will answer.',
          instance: request.url,
        },
        { connection: 'close', 'retry-after': '1' },
      );
      return reply;
    }
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

type ClientError = Error & { code?: string; rawPacket?: unknown; bytesParsed?: number };

/**
 * Answers what Node's HTTP parser refuses before Fastify sees a request: a malformed request
 * (400), header fields or a request line over the size limit (431, or 414 when the request
 * line alone is what overflowed), a request not received within the timeout (408).
 */
function answerClientError(log: FastifyBaseLogger, error: ClientError, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  // Bytes already sent for a response on this connection: a second status line would corrupt it.
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
  if (!socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const problem = clientErrorProblem(error);
  log.debug({ err: error, status: problem.status }, 'refused a malformed request');
  socket.end(rawProblemResponse(problem, SECURITY_HEADERS), () => socket.destroy());
}

function clientErrorProblem(error: ClientError): Problem {
  const problem = (status: number, slug: string, detail: string): Problem => ({
    type: problemType(slug),
    title: titleFor(status),
    status,
    detail,
  });
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return problem(408, 'request-timeout', 'The request was not received in full within the time allowed.');
  }
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    // Node counts the request line with the header fields. When the parser was still in
    // the request line of a packet that starts with one, the URI is what is too long.
    const packet = Buffer.isBuffer(error.rawPacket) ? error.rawPacket : undefined;
    const lineEnd = packet?.indexOf('\r\n') ?? -1;
    const inRequestLine = lineEnd === -1 || (error.bytesParsed ?? 0) <= lineEnd;
    if (packet && inRequestLine && /^[A-Z]+ \S/.test(packet.subarray(0, 16).toString('latin1'))) {
      return problem(414, 'uri-too-long', 'The request URI is longer than this server accepts.');
    }
    return problem(431, 'header-fields-too-large', 'The request line and header fields are larger than this server accepts.');
  }
  return problem(400, 'malformed-request', 'The request is not well-formed HTTP.');
}

/** `/openapi.json`: OpenAPI 3.1 generated from the routes' zod schemas, never written by hand. */
async function registerOpenApi(app: ServiceInstance, options: ServerOptions): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: `Drone Delivery ${options.name} service`, version: options.version },
      ...(options.openApi?.securitySchemes ? { components: { securitySchemes: options.openApi.securitySchemes } } : {}),
    },
    transform: jsonSchemaTransform,
    transformObject: (documentObject) =>
      'openapiObject' in documentObject ? completeDocument(documentObject.openapiObject) : documentObject.swaggerObject,
  });
  app.get('/openapi.json', { schema: { hide: true }, logLevel: 'warn' }, async () => app.swagger());
}

interface Operation {
  security?: unknown;
  responses?: Record<string, { content?: Record<string, unknown> }>;
}

const OPERATION_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/**
 * What the routes' schemas cannot say: every error answer is problem+json (the routes
 * declare their error schemas, and @fastify/swagger files each under application/json).
 * Which operations need which credentials, the routes' schemas say (`security`).
 */
function completeDocument<D extends { paths?: object }>(document: D): D {
  const paths = Object.entries((document.paths ?? {}) as Record<string, object>).map(([path, item]) => {
    const operations = Object.entries(item).map(([key, value]) => {
      if (!OPERATION_METHODS.includes(key)) return [key, value];
      const operation = value as Operation;
      const responses = Object.entries(operation.responses ?? {}).map(([status, response]) => {
        const json = response.content?.['application/json'];
        // A body declared as another media type (server-sent events: `contentMediaType`) is filed under it.
        const mediaType = (json as { schema?: { contentMediaType?: unknown } } | undefined)?.schema?.contentMediaType;
        if (typeof mediaType === 'string') return [status, { ...response, content: { [mediaType]: json } }];
        if (!/^[45]/.test(status) || json === undefined) return [status, response];
        const { 'application/json': _, ...others } = response.content ?? {};
        return [status, { ...response, content: { [PROBLEM_CONTENT_TYPE]: json, ...others } }];
      });
      return [
        key,
        {
          ...operation,
          ...(operation.responses ? { responses: Object.fromEntries(responses) } : {}),
        },
      ];
    });
    return [path, Object.fromEntries(operations)];
  });
  return { ...document, paths: Object.fromEntries(paths) };
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
