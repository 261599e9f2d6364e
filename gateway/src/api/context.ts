// What every part of the public API shares: the upstream services, the caller the API's
// authentication put on the request, and the problems its routes document.
import { Problem } from '@dronedelivery/contracts';
import type { FastifyRequest } from 'fastify';
import type { VerifiedCaller } from '../auth.ts';
import type { EventStreams } from '../event-streams.ts';
import type { Upstreams } from '../upstreams.ts';

declare module 'fastify' {
  interface FastifyRequest {
    caller?: VerifiedCaller;
  }
}

export interface ApiContext {
  upstreams: Upstreams;
  /** Budget of each non-essential part of an assembled view. */
  partTimeoutMs: number;
  /** The server-sent event streams open now, with their limits. */
  streams: EventStreams;
  /** The workflow's operator token, sent on its operator routes (unset: they answer 403). */
  workflowToken?: string | undefined;
  /** The gateway's own readiness, for the operations overview. */
  readiness: () => Promise<{ ready: boolean }>;
}

export const problems = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 429: Problem, 503: Problem, 504: Problem };

/** The verified caller: every route of the public API runs after its authentication. */
export function callerOf(request: FastifyRequest): VerifiedCaller {
  if (!request.caller) throw new Error('route reached without authentication');
  return request.caller;
}
