// The public API: the gateway's routes. Most are a service's own route, published with the
// gateway's summary and tags (the gateway authorizes, then calls that route); the two views it
// assembles from several services are declared here.
import { z } from 'zod';
import { Delivery, DeliveryIdParams, DeliveryStatus } from '../deliveries.ts';
import { DroneAssignmentView } from '../drones.ts';
import { DroneFault, DroneIdParams, FaultOutcome } from '../fleet.ts';
import { OperationsOverview } from '../operations.ts';
import { OwnerIdParams, Package } from '../packages.ts';
import { Identifier, MonthQuery } from '../shared.ts';
import { deliveryRoutes } from './deliveries.ts';
import { droneRoutes } from './drones.ts';
import { packageRoutes } from './packages.ts';
import { requestRoutes } from './requests.ts';
import { republish, route } from './route.ts';
import { workflowRoutes } from './workflow.ts';

/** `GET /api/deliveries/{id}/details`: a delivery with its parts; a part that could not be read is null with a warning. */
export const DeliveryOverview = z.object({
  delivery: Delivery,
  package: Package.nullable(),
  drone: DroneAssignmentView.nullable(),
  status: DeliveryStatus.nullable(),
  warnings: z.array(z.string()),
});

/** `GET /api/owners/{ownerId}/invoice`: an owner's month from three services; a missing part is null with a warning. */
export const Invoice = z.object({
  ownerId: Identifier,
  year: z.number().int(),
  month: z.number().int(),
  deliveries: z.object({ count: z.number().int() }).nullable(),
  packages: z.object({ count: z.number().int(), totalWeight: z.number() }).nullable(),
  utilization: z.object({ traveledMiles: z.number(), assignedHours: z.number() }).nullable(),
  warnings: z.array(z.string()),
});

/**
 * A stream of server-sent events (`text/event-stream`), described one event at a time: its
 * name, and its data, a JSON document (the summary says which for each name).
 */
export function eventStream<const E extends readonly [string, ...string[]]>(events: E) {
  return z
    .object({
      event: z.enum(events).optional(),
      data: z.string().meta({ description: 'A JSON document.', contentMediaType: 'application/json' }),
      id: z.string().optional(),
      retry: z.number().int().optional(),
    })
    .meta({ description: 'One server-sent event of the stream.', contentMediaType: 'text/event-stream' });
}

const requests = ['delivery requests'];
const fleet = ['fleet'];
const operations = ['operations'];
const deliveries = ['deliveries'];

export const gatewayRoutes = {
  requestDelivery: republish(requestRoutes.request, {
    summary: 'Ask for a delivery (customers for their own owner id; operators for any).',
    tags: requests,
  }),
  rescheduleDelivery: republish(requestRoutes.reschedule, { summary: 'Reschedule one of your deliveries.', tags: requests }),
  cancelDelivery: republish(requestRoutes.cancel, { summary: 'Cancel one of your deliveries.', tags: requests }),
  listDeliveries: republish(deliveryRoutes.list, {
    summary: "Your deliveries, newest first, a page at a time (operators: anyone's, or one owner's with ownerId).",
    tags: deliveries,
  }),
  deliverySummary: republish(deliveryRoutes.summary, { summary: 'Deliveries an owner scheduled in a month.', tags: deliveries }),
  delivery: republish(deliveryRoutes.get, { summary: 'One of your deliveries.', tags: deliveries }),
  deliveryStatus: republish(deliveryRoutes.status, { summary: "Stage, the drone's last known location and the ETAs.", tags: deliveries }),
  deliveryEvents: republish(deliveryRoutes.events, { summary: 'Tracking events, oldest first.', tags: deliveries }),
  deliveryDetails: route('GET', '/api/deliveries/:id/details', {
    summary: 'A delivery with its package, drone assignment and status, in one call; missing parts are null with a warning.',
    tags: deliveries,
    params: DeliveryIdParams,
    response: { 200: DeliveryOverview },
  }),
  confirmDelivery: republish(deliveryRoutes.confirm, { summary: 'Proof of delivery (drones and operators).', tags: deliveries }),
  notifyMe: republish(deliveryRoutes.notifyMe, { summary: 'Be told when one of your deliveries is completed.', tags: deliveries }),
  packageSummary: republish(packageRoutes.summary, { summary: "Number and weight of an owner's packages in a month.", tags: ['packages'] }),
  package: republish(packageRoutes.get, { summary: 'One of your packages.', tags: ['packages'] }),
  utilization: republish(droneRoutes.utilization, { summary: "Drone miles and hours for an owner's month.", tags: ['invoicing'] }),
  invoice: route('GET', '/api/owners/:ownerId/invoice', {
    summary: "An owner's month: deliveries, package weight and drone utilization, from three services in parallel.",
    tags: ['invoicing'],
    params: OwnerIdParams,
    querystring: MonthQuery,
    response: { 200: Invoice },
  }),
  deliveryUpdates: route('GET', '/api/deliveries/:id/updates', {
    summary:
      'Server-sent events for one of your deliveries: event `delivery` (a DeliveryUpdate: delivery, status, events) at once and on every change, `end` once it is finished.',
    tags: deliveries,
    params: DeliveryIdParams,
    response: { 200: eventStream(['delivery', 'end', 'error']) },
  }),
  fleet: republish(droneRoutes.fleet, {
    summary: 'Every drone with its state and the flight it is on (operators and drones).',
    tags: fleet,
  }),
  fleetUpdates: route('GET', '/api/drones/updates', {
    summary: 'Server-sent events for operators: event `fleet` (a FleetView) at once and on every change.',
    tags: fleet,
    response: { 200: eventStream(['fleet', 'error']) },
  }),
  reportFault: route('POST', '/api/drones/:droneId/faults', {
    summary:
      'A drone reports that it failed (drones and operators): it leaves service, and each delivery it had booked ends Rejected with reason drone-fault. Idempotent.',
    tags: fleet,
    params: DroneIdParams,
    body: DroneFault,
    response: { 200: FaultOutcome },
  }),
  repairDrone: republish(droneRoutes.repair, { summary: 'Return a faulted drone to service (operators).', tags: fleet }),
  overview: route('GET', '/api/operations/overview', {
    summary:
      "Operators: every service's readiness, the queue by state and the fleet summary; a part that could not be read is null with a warning.",
    tags: operations,
    response: { 200: OperationsOverview },
  }),
  deadLetters: republish(
    { ...workflowRoutes.deadLetters, url: '/api/operations/deadletters' as const },
    {
      summary: 'Dead-lettered messages with their reason and every attempt (operators).',
      tags: operations,
    },
  ),
  redrive: republish(
    { ...workflowRoutes.redrive, url: '/api/operations/deadletters/redrive' as const },
    {
      summary: 'Put one dead letter (by messageId) or all of them back on the queue (operators).',
      tags: operations,
    },
  ),
};

export type DeliveryOverview = z.infer<typeof DeliveryOverview>;
export type Invoice = z.infer<typeof Invoice>;
