// The services behind the gateway, each reached through its own resilient HttpClient
// (keep-alive pool, per-attempt timeout, retries for idempotent calls, circuit breaker,
// bulkhead). Only these headers travel upstream: the request id, the idempotency key and
// the verified identity; whatever else a client sent stays at the gateway.

import type { Call } from '@dronedelivery/contracts';
import {
  type Caller,
  HttpProblem,
  type HttpRequest,
  type HttpResponse,
  identityHeaders,
  problemType,
  Unavailable,
  UpstreamError,
} from '@dronedelivery/service-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Upstream } from './canary.ts';

export interface Upstreams {
  ingestion: Upstream;
  delivery: Upstream;
  package: Upstream;
  dronescheduler: Upstream;
  /** Operators' routes only: the queue's counts and the dead letters. */
  workflow: Upstream;
}

/** Headers for an upstream call on behalf of `caller`. */
export function forwardedHeaders(request: FastifyRequest, caller: Caller): Record<string, string> {
  const idempotencyKey = request.headers['idempotency-key'];
  return {
    'x-request-id': request.id,
    ...(typeof idempotencyKey === 'string' ? { 'idempotency-key': idempotencyKey } : {}),
    ...identityHeaders(caller),
  };
}

export type CallOptions = Pick<HttpRequest, 'headers' | 'idempotent' | 'signal'>;

/** Calls an upstream's declared route; an upstream that cannot answer becomes a 503 or 504 problem. */
export async function call<T>(client: Upstream, upstreamCall: Call<T>, options: CallOptions = {}): Promise<HttpResponse<T>> {
  const { method, path, query, body } = upstreamCall;
  try {
    return await client.request<T>({ method, path, ...(query ? { query } : {}), ...(body === undefined ? {} : { body }), ...options });
  } catch (error) {
    if (!(error instanceof UpstreamError)) throw error;
    if (error.reason === 'timeout') {
      throw new HttpProblem(504, `The ${client.upstream} service did not answer in time.`, { type: problemType('upstream-timeout') });
    }
    if (error.status && error.status < 500 && error.status !== 429 && error.status !== 408) throw error;
    const retryAfter = Math.max(1, Math.ceil((error.retryAfterMs ?? 5_000) / 1000));
    throw new Unavailable(`The ${client.upstream} service is unavailable; retry shortly.`, retryAfter);
  }
}

/** Passes an upstream answer on: status, body and the headers a client needs. */
export function relay(reply: FastifyReply, response: HttpResponse): FastifyReply {
  for (const name of ['location', 'retry-after', 'idempotent-replayed']) {
    const value = response.headers[name];
    if (typeof value === 'string') reply.header(name, value);
  }
  const contentType = response.headers['content-type'];
  if (typeof contentType === 'string') reply.type(contentType);
  return reply.code(response.status).send(response.body === undefined ? null : response.body);
}

/** Calls an upstream on behalf of `caller` and passes its answer on. */
export async function forward(
  reply: FastifyReply,
  client: Upstream,
  request: FastifyRequest,
  caller: Caller,
  upstreamCall: Call<unknown>,
  options: Omit<CallOptions, 'headers'> = {},
): Promise<FastifyReply> {
  return relay(reply, await call(client, upstreamCall, { ...options, headers: forwardedHeaders(request, caller) }));
}
