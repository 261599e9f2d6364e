// What every part of the public API shares: the upstream services, the caller the API's
// authentication put on the request, and the problems its routes document.
import { Problem } from '@dronedelivery/contracts';
import type { Caller } from '@dronedelivery/service-kit';
import type { FastifyRequest } from 'fastify';
import type { Upstreams } from '../upstreams.ts';

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
  }
}

export interface ApiContext {
  upstreams: Upstreams;
  /** Budget of each non-essential part of an assembled view. */
  partTimeoutMs: number;
}

export const problems = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 429: Problem, 503: Problem, 504: Problem };

/** The verified caller: every route of the public API runs after its authentication. */
export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw new Error('route reached without authentication');
  return request.caller;
}
