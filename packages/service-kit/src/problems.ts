// RFC 9457 problem details: the one handler that turns any error into
// `application/problem+json` without leaking internals, and the one place where a domain's
// failures (failures.ts) get their HTTP status. HttpProblem is for HTTP-layer code only.
import { problemTypeOf } from '@dronedelivery/contracts';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { Failure, type FailureKind, type FieldError } from './failures.ts';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export type { FieldError };

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  417: 'Expectation Failed',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function titleFor(status: number): string {
  return TITLES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error');
}

/** Problem `type` URIs are stable identifiers clients can switch on. */
export const problemType: (slug: string) => string = problemTypeOf;

/** Base of the errors a domain throws; the handler maps each to its status. */
export class HttpProblem extends Error {
  readonly status: number;
  readonly type: string;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string>;
  readonly extensions: Record<string, unknown>;

  constructor(
    status: number,
    detail: string,
    options: { type?: string; errors?: FieldError[]; headers?: Record<string, string>; extensions?: Record<string, unknown> } = {},
  ) {
    super(detail);
    this.name = new.target.name;
    this.status = status;
    this.type = options.type ?? problemType(titleFor(status).toLowerCase().replaceAll(' ', '-'));
    this.errors = options.errors;
    this.headers = options.headers ?? {};
    this.extensions = options.extensions ?? {};
  }
}

/** The status each kind of failure answers with. */
const STATUS_OF: Record<FailureKind, number> = {
  invalid: 400,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  gone: 410,
  unprocessable: 422,
  unavailable: 503,
};

/** A failure as the HTTP problem it answers with. */
export function problemOf(failure: Failure): HttpProblem {
  const status = STATUS_OF[failure.kind];
  return new HttpProblem(status, failure.message, {
    ...(failure.slug ? { type: problemType(failure.slug) } : {}),
    ...(failure.errors ? { errors: failure.errors } : {}),
    ...(failure.retryAfterSeconds === undefined ? {} : { headers: { 'retry-after': String(failure.retryAfterSeconds) } }),
    extensions: failure.extensions,
  });
}

export function sendProblem(reply: FastifyReply, problem: Problem, headers: Record<string, string> = {}): FastifyReply {
  return reply.code(problem.status).headers(headers).type(PROBLEM_CONTENT_TYPE).send(problem);
}

/**
 * A whole HTTP/1.1 response carrying `problem`, for the answers Node's HTTP parser makes
 * before there is a request or reply object (malformed request, header overflow, timeout).
 * The connection is closed after it: the parser cannot tell where the next request starts.
 */
export function rawProblemResponse(problem: Problem, headers: Record<string, string> = {}): string {
  const body = JSON.stringify(problem);
  const lines = Object.entries({
    ...headers,
    'content-type': PROBLEM_CONTENT_TYPE,
    'content-length': String(Buffer.byteLength(body)),
    connection: 'close',
  }).map(([name, value]) => `${name}: ${value}\r\n`);
  return `HTTP/1.1 ${problem.status} ${titleFor(problem.status)}\r\n${lines.join('')}\r\n${body}`;
}

function validationProblem(error: FastifyError, request: FastifyRequest): Problem {
  const errors: FieldError[] = [];
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = error.validationContext ?? 'body';
    for (const issue of error.validation) {
      const path = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
      errors.push({ path: path ? `${where}.${path}` : where, message: issue.message ?? 'is invalid' });
    }
  }
  return {
    type: problemType('validation'),
    title: titleFor(400),
    status: 400,
    detail: errors.length ? `The request has ${errors.length} invalid field${errors.length === 1 ? '' : 's'}.` : error.message,
    instance: request.url,
    errors,
  };
}

/**
 * Installs the error and not-found handlers on `app` (call on the root instance, before
 * any route is declared: it watches route declarations to tell 405 from 404).
 */
export function installProblemHandlers(app: FastifyInstance): void {
  const methods = new Set<string>();
  // A root catch-all (CORS preflight is `OPTIONS *`) matches every path, so it says nothing
  // about whether this path exists: its method is left out of the search.
  const catchAllMethods = new Set<string>();
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      methods.add(method.toUpperCase());
      if (route.url === '*' || route.url === '/*') catchAllMethods.add(method.toUpperCase());
    }
  });
  const allowedMethods = (url: string): string[] =>
    [...methods].filter((method) => !catchAllMethods.has(method) && app.findRoute({ method: method as HTTPMethods, url }) !== null);

  const answerNotFound = (request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const path = request.url.split('?')[0];
    const allowed = allowedMethods(request.url);
    // Only when the request's own method has no route here: a handler that answers "not
    // found" for its own method (a missing static file) is a real 404.
    if (allowed.length > 0 && !allowed.includes(request.method)) {
      return sendProblem(
        reply,
        {
          type: problemType('method-not-allowed'),
          title: titleFor(405),
          status: 405,
          detail: `${path} does not serve ${request.method}; it serves ${allowed.join(', ')}.`,
          instance: request.url,
        },
        { allow: allowed.join(', ') },
      );
    }
    return sendProblem(reply, {
      type: problemType('not-found'),
      title: titleFor(404),
      status: 404,
      detail: `No route for ${request.method} ${path}.`,
      instance: request.url,
    });
  };
  // A request for no route is answered before its body is read: 404 or 405 is the answer,
  // whatever the body's syntax or content type (Fastify would parse it, and refuse a QUERY
  // without a Content-Type, first).
  app.addHook('preParsing', (request, reply, payload, done) => {
    if (request.is404) {
      answerNotFound(request, reply);
      return;
    }
    done(null, payload);
  });
  app.setNotFoundHandler(answerNotFound);

  app.setErrorHandler((thrown: FastifyError, request, reply) => {
    const error = thrown instanceof Failure ? problemOf(thrown) : thrown;
    if (error instanceof HttpProblem) {
      const problem: Problem = {
        ...error.extensions,
        type: error.type,
        title: titleFor(error.status),
        status: error.status,
        detail: error.message,
        instance: request.url,
      };
      if (error.errors) problem.errors = error.errors;
      // A 5xx problem is an expected operational state (a store down, throttling): a warning, not a stack trace.
      if (error.status >= 500) request.log.warn({ status: error.status, problem: error.message }, 'answered with a server problem');
      return sendProblem(reply, problem, error.headers);
    }
    if (error.validation) {
      return sendProblem(reply, validationProblem(error, request));
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // Fastify's own client errors (malformed JSON, body too large, bad content type):
      // their messages describe the request, not the server, so they are safe to show.
      return sendProblem(reply, {
        type: problemType(error.code ? error.code.toLowerCase().replaceAll('_', '-') : 'client-error'),
        title: titleFor(status),
        status,
        detail: error.message,
        instance: request.url,
      });
    }
    request.log.error({ err: error }, 'unhandled error');
    const serverStatus = status >= 500 && status < 600 ? status : 500;
    return sendProblem(reply, {
      type: problemType('internal'),
      title: titleFor(serverStatus),
      status: serverStatus,
      detail: 'An unexpected error occurred. It has been logged with this request id.',
      instance: request.url,
      requestId: request.id,
    });
  });
}
