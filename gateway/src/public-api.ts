// The public API as one encapsulated plugin: every route registered inside it is
// authenticated (bearer JWT), rate limited per verified caller and documented as needing the
// bearer token, by construction. Nothing outside it (health, metrics, the OpenAPI document,
// the docs page) is touched by these hooks, and no route can be added to the API without them.

import type { RedisClient } from '@dronedelivery/redis';
import { HttpProblem, problemType, type ServiceInstance } from '@dronedelivery/service-kit';
import rateLimit from '@fastify/rate-limit';
import type { ApiContext } from './api/context.ts';
import { registerDeliveries } from './api/deliveries.ts';
import { registerDeliveryRequests } from './api/delivery-requests.ts';
import { registerDeliveryUpdates } from './api/delivery-updates.ts';
import { registerDetails } from './api/details.ts';
import { registerFleet } from './api/fleet.ts';
import { registerOperations } from './api/operations.ts';
import { registerOwners } from './api/owners.ts';
import type { Verifier } from './auth.ts';
import { redisRateLimitStore } from './rate-limit-store.ts';

export interface PublicApiOptions extends ApiContext {
  verify: Verifier;
  rateLimit: { max: number; windowMs: number; redis?: RedisClient | undefined; onStoreFailure: 'allow' | 'refuse' };
}

/** The security requirement every operation of the API documents. */
export const BEARER = [{ bearerAuth: [] }];

export async function publicApi(api: ServiceInstance, options: PublicApiOptions): Promise<void> {
  api.addHook('onRoute', (route) => {
    route.schema = { ...route.schema, security: BEARER };
  });
  api.addHook('onRequest', async (request) => {
    request.caller = await options.verify(request.headers.authorization);
  });
  await api.register(rateLimit, {
    global: true,
    max: options.rateLimit.max,
    timeWindow: options.rateLimit.windowMs,
    // Counted per verified caller (after authentication).
    hook: 'preHandler',
    keyGenerator: (request) => request.caller?.subject ?? request.ip,
    ...(options.rateLimit.redis
      ? { store: redisRateLimitStore(options.rateLimit.redis), skipOnError: options.rateLimit.onStoreFailure === 'allow' }
      : {}),
    errorResponseBuilder: (_request, context) =>
      new HttpProblem(429, `Rate limit of ${context.max} requests per ${context.after} exceeded; retry later.`, {
        type: problemType('rate-limited'),
        headers: { 'retry-after': String(Math.max(1, Math.ceil(context.ttl / 1000))) },
      }),
    enableDraftSpec: true,
  });
  registerDeliveryRequests(api, options);
  registerDeliveries(api, options);
  registerDetails(api, options);
  registerOwners(api, options);
  registerDeliveryUpdates(api, options);
  registerFleet(api, options);
  registerOperations(api, options);
}
