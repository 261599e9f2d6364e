// The traffic a customer generates: ask for deliveries, follow them (status, the delivery,
// the aggregated details) and read an invoice. Reads go to deliveries created and scheduled
// before the run, so a read never races the workflow and every 404 is a real failure.
// Declared as data (the cycle, the request body's fixed fields, the seeding), so the k6
// scripts (src/k6/) are generated from the same declaration that `pnpm loadtest` runs.

import { randomUUID } from 'node:crypto';
import { gatewayRoutes, pathOf, type Route } from '@dronedelivery/contracts';
import type { PlannedRequest } from './arrival-rate.ts';

export const LOADTEST_OWNER = 'loadtest';

/** The fields of a delivery request that stay the same; deliveryRequest adds the owner, a package id and a pickup time. */
export const DELIVERY_REQUEST_FIELDS = {
  confirmationRequired: 'None',
  deadline: '',
  dropOffLocation: 'drop off',
  expedited: true,
  packageInfo: { size: 'Small', tag: 'loadtest', weight: 2 },
  pickupLocation: 'my pickup',
} as const;

/** A package id is this prefix and a random UUID: a fresh package every time. */
export const PACKAGE_ID_PREFIX = 'pkg-';

/**
 * Pickups are spread over this many minutes from now, at whole minutes: a drone flies one
 * delivery at a time, so requests that all wanted "now" would exhaust any fleet within
 * seconds and measure only the retry path. 60 days.
 */
export const PICKUP_WITHIN_MINUTES = 60 * 24 * 60;

/** A delivery request as a customer would send it, for a fresh package each time. */
export function deliveryRequest(owner = LOADTEST_OWNER): string {
  return JSON.stringify({
    ...DELIVERY_REQUEST_FIELDS,
    ownerId: owner,
    packageInfo: { ...DELIVERY_REQUEST_FIELDS.packageInfo, packageId: `${PACKAGE_ID_PREFIX}${randomUUID()}` },
    pickupTime: new Date(Date.now() + Math.floor(Math.random() * PICKUP_WITHIN_MINUTES) * 60_000).toISOString(),
  });
}

/**
 * Deliveries created before a run for the reads to find, and the wait for the workflow to
 * schedule them: each delivery's status is polled every `pollMs` until its stage is no longer
 * `pendingStage` (a delivery reads as Requested from the 202 on), for at most `timeoutMs`.
 */
export const SEEDING = { deliveries: 30, timeoutMs: 60_000, pollMs: 250, pendingStage: 'Requested' } as const;

/** A request without an answer after this long is an error. */
export const REQUEST_TIMEOUT_SECONDS = 10;

/** One request of the customer's cycle: a route, and what fills it in. */
export interface CycleStep {
  route: Route;
  /** The body: a fresh delivery request (deliveryRequest). */
  body?: 'deliveryRequest';
  /** The path parameter: one of the seeded deliveries, picked at random (`:id`), or the owner (`:ownerId`). */
  param?: 'seededDelivery' | 'owner';
  /** The query: the current month, `?year=…&month=…` (UTC). */
  query?: 'currentMonth';
}

/**
 * One customer's cycle, in order: 1 request for a delivery, 2 status reads, 1 delivery read,
 * 1 details view and 1 invoice in six requests (a read-heavy mix, as tracking pages are).
 */
export const CUSTOMER_CYCLE: readonly CycleStep[] = [
  { route: gatewayRoutes.requestDelivery, body: 'deliveryRequest' },
  { route: gatewayRoutes.deliveryStatus, param: 'seededDelivery' },
  { route: gatewayRoutes.delivery, param: 'seededDelivery' },
  { route: gatewayRoutes.deliveryDetails, param: 'seededDelivery' },
  { route: gatewayRoutes.deliveryStatus, param: 'seededDelivery' },
  { route: gatewayRoutes.invoice, param: 'owner', query: 'currentMonth' },
];

/** `?year=…&month=…` for the month of `now`, in UTC. */
export function currentMonthQuery(now = new Date()): string {
  return `?year=${now.getUTCFullYear()}&month=${now.getUTCMonth() + 1}`;
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;

/**
 * The customer cycle as requests to send, one builder per step: the load generator goes round
 * it in order, one request each time, as each iteration of a k6 script does.
 */
export function customerMix(deliveryIds: readonly string[], owner = LOADTEST_OWNER): (() => PlannedRequest)[] {
  if (deliveryIds.length === 0) throw new Error('the mix needs deliveries to read');
  const query = currentMonthQuery();
  return CUSTOMER_CYCLE.map((step) => () => {
    const params = step.param === 'owner' ? { ownerId: owner } : step.param === 'seededDelivery' ? { id: pick(deliveryIds) } : {};
    const path = `${pathOf(step.route, params)}${step.query ? query : ''}`;
    if (step.body !== 'deliveryRequest') return { method: step.route.method, path };
    return { method: step.route.method, path, headers: { 'content-type': 'application/json' }, body: deliveryRequest(owner) };
  });
}
