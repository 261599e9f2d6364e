// What operators watch: the health of every service, the queue, the fleet; and the live
// view of one delivery that the gateway streams to its owner.
import { z } from 'zod';
import { Delivery, DeliveryStatus, TrackingEvent } from './deliveries.ts';
import { FleetSummary } from './fleet.ts';
import { Instant } from './shared.ts';

/** The workflow's queue, by state. */
export const QueueCounts = z.object({
  waiting: z.number().int().min(0),
  active: z.number().int().min(0),
  delayed: z.number().int().min(0),
  deadLettered: z.number().int().min(0),
});

/** One service's readiness, as its `/healthz/ready` answered the gateway. */
export const ServiceHealth = z.object({
  name: z.string(),
  ready: z.boolean(),
  /** The HTTP status of its readiness probe; null when it did not answer. */
  status: z.number().int().nullable(),
  latencyMs: z.number().min(0).nullable(),
  detail: z.string().optional(),
});

/** `GET /api/operations/overview`: a part that could not be read is null with a warning. */
export const OperationsOverview = z.object({
  at: Instant,
  services: z.array(ServiceHealth),
  queue: QueueCounts.nullable(),
  fleet: FleetSummary.nullable(),
  warnings: z.array(z.string()),
});

/** One message of `GET /api/deliveries/{id}/updates` (server-sent event `delivery`). */
export const DeliveryUpdate = z.object({ delivery: Delivery, status: DeliveryStatus, events: z.array(TrackingEvent) });

export type QueueCounts = z.infer<typeof QueueCounts>;
export type ServiceHealth = z.infer<typeof ServiceHealth>;
export type OperationsOverview = z.infer<typeof OperationsOverview>;
export type DeliveryUpdate = z.infer<typeof DeliveryUpdate>;
