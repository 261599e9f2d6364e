// Runs a domain decision against the store: read, decide, compare-and-set, and decide
// again on a fresher read if another write came first (with a short jittered pause, so
// writers racing for one delivery spread out instead of colliding again).
import { setTimeout as sleep } from 'node:timers/promises';
import { Unavailable } from '@dronedelivery/service-kit';
import type { Decision, DeliveryRecord } from './domain.ts';
import type { DeliveryStore } from './store/store.ts';

const MAX_ATTEMPTS = 16;
const MAX_PAUSE_MS = 50;

export async function execute<T>(
  store: DeliveryStore,
  id: string,
  decide: (existing: DeliveryRecord | undefined) => Decision<T>,
): Promise<T> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    const current = await store.get(id);
    const decision = decide(current?.record);
    if (!decision.change) return decision.result;
    if (await store.commit(id, current?.version ?? 0, decision.change)) return decision.result;
    await sleep(Math.random() * Math.min(MAX_PAUSE_MS, 2 ** attempt));
  }
  throw new Unavailable(`Delivery ${id} is being changed by many requests at once; retry shortly.`, 1);
}
