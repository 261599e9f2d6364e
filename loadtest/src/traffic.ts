// The traffic a customer generates: ask for deliveries, follow them (status, the delivery,
// the aggregated details) and read an invoice. Reads go to deliveries created and scheduled
// before the run, so a read never races the workflow and every 404 is a real failure.

import { randomUUID } from 'node:crypto';
import { gatewayRoutes, pathOf, type Route } from '@dronedelivery/contracts';
import type { Request } from 'autocannon';

export const LOADTEST_OWNER = 'loadtest';

/** A delivery request as a customer would send it, for a fresh package each time. */
export function deliveryRequest(owner = LOADTEST_OWNER): string {
  return JSON.stringify({
    confirmationRequired: 'None',
    deadline: '',
    dropOffLocation: 'drop off',
    expedited: true,
    ownerId: owner,
    packageInfo: { packageId: `pkg-${randomUUID()}`, size: 'Small', tag: 'loadtest', weight: 2 },
    pickupLocation: 'my pickup',
    // Spread over the next 60 days: a drone flies one delivery at a time, so requests that all
    // wanted "now" would exhaust any fleet within seconds and measure only the retry path.
    pickupTime: new Date(Date.now() + Math.floor(Math.random() * 60 * 24 * 60) * 60_000).toISOString(),
  });
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;

/**
 * One connection's cycle: 1 request for a delivery, 2 status reads, 1 delivery read, 1 details
 * view and 1 invoice in six requests (a read-heavy mix, as tracking pages are).
 */
export function customerMix(deliveryIds: readonly string[], owner = LOADTEST_OWNER): Request[] {
  if (deliveryIds.length === 0) throw new Error('the mix needs deliveries to read');
  const read = (route: Route): Request => ({
    method: 'GET',
    setupRequest: (request) => ({ ...request, path: pathOf(route, { id: pick(deliveryIds) }) }),
  });
  const now = new Date();
  return [
    {
      method: 'POST',
      path: gatewayRoutes.requestDelivery.url,
      headers: { 'content-type': 'application/json' },
      setupRequest: (request) => ({ ...request, body: deliveryRequest(owner) }),
    },
    read(gatewayRoutes.deliveryStatus),
    read(gatewayRoutes.delivery),
    read(gatewayRoutes.deliveryDetails),
    read(gatewayRoutes.deliveryStatus),
    {
      method: 'GET',
      path: `${pathOf(gatewayRoutes.invoice, { ownerId: owner })}?year=${now.getUTCFullYear()}&month=${now.getUTCMonth() + 1}`,
    },
  ];
}
