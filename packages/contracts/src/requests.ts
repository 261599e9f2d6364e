// Delivery requests, as customers send them to ingestion, and the messages ingestion puts
// on the delivery-request queue for the workflow.
import { z } from 'zod';
import { Deadline, type DeliveryDetails, DeliveryListQuery } from './deliveries.ts';
import { LIMITS, pickupHorizon } from './limits.ts';
import { PackageTag, PackageWeight } from './packages.ts';
import { ConfirmationRequired, Coordinates, Identifier, Instant, Location, PackageSize } from './shared.ts';

export const PackageInfo = z.strictObject({
  packageId: Identifier,
  size: PackageSize,
  weight: PackageWeight,
  tag: PackageTag.optional(),
});

/**
 * The checks that need the clock: a pickup within the horizon (a pickup time in the past
 * means "as soon as possible", as in the original samples), and a deadline after the pickup
 * that has not already passed.
 */
function checkTimes(value: { pickupTime?: string | undefined; deadline?: string | null | undefined }, context: z.RefinementCtx): void {
  const now = Date.now();
  const pickup = value.pickupTime === undefined ? undefined : Date.parse(value.pickupTime);
  if (pickup !== undefined && pickup > pickupHorizon(now))
    context.addIssue({ code: 'custom', path: ['pickupTime'], message: `must be at most ${LIMITS.pickupHorizonDays} days from now` });
  if (!value.deadline) return;
  const deadline = Date.parse(value.deadline);
  if (deadline <= now) context.addIssue({ code: 'custom', path: ['deadline'], message: 'has already passed' });
  else if (pickup !== undefined && deadline <= pickup)
    context.addIssue({ code: 'custom', path: ['deadline'], message: 'must be after the pickupTime' });
  else if (deadline > pickupHorizon(now))
    context.addIssue({ code: 'custom', path: ['deadline'], message: `must be at most ${LIMITS.pickupHorizonDays} days from now` });
}

const DeliveryRequestFields = z.strictObject({
  ownerId: Identifier,
  pickupLocation: Location,
  dropOffLocation: Location,
  pickupTime: Instant,
  deadline: Deadline.optional(),
  expedited: z.boolean().default(false),
  confirmationRequired: ConfirmationRequired.default('None'),
  packageInfo: PackageInfo,
});

/** `POST /api/deliveryrequests`, field names as in the original application. */
export const DeliveryRequest = DeliveryRequestFields.superRefine(checkTimes);

/** What ingestion accepted: the request with its delivery id and both locations as coordinates (labels kept). */
export const AcceptedDeliveryRequest = DeliveryRequestFields.extend({
  deliveryId: Identifier,
  pickupLocation: Coordinates,
  dropOffLocation: Coordinates,
  deadline: z.string().nullable(),
});

/**
 * `GET /api/deliveryrequests/{deliveryId}` (internal): what ingestion accepted and when. It
 * is written before the 202, so the owner of a delivery is known from the first moment.
 */
export const DeliveryAcceptance = z.object({
  acceptedAt: z.string(),
  request: AcceptedDeliveryRequest,
});

/**
 * `GET /api/deliveryrequests` (internal): the acceptances still on record, newest first, in the
 * same list order and cursor as `GET /api/deliveries` (a delivery's creation time is its
 * acceptance time), so the gateway can list requests the workflow has not recorded yet.
 */
export const AcceptanceListQuery = DeliveryListQuery.omit({ stage: true });

export const AcceptancePage = z.object({
  items: z.array(DeliveryAcceptance),
  nextCursor: z.string().optional(),
});

/** A delivery's details, as its accepted request gives them. */
export function detailsOf(request: AcceptedDeliveryRequest): DeliveryDetails {
  return {
    ownerId: request.ownerId,
    pickup: request.pickupLocation,
    dropoff: request.dropOffLocation,
    pickupTime: request.pickupTime,
    deadline: request.deadline,
    expedited: request.expedited,
    confirmationRequired: request.confirmationRequired,
    packageId: request.packageInfo.packageId,
  };
}

/** `PATCH /api/deliveryrequests/{deliveryId}`: a reschedule. */
export const DeliveryRequestChange = z
  .strictObject({
    pickupLocation: Location.optional(),
    dropOffLocation: Location.optional(),
    pickupTime: Instant.optional(),
    deadline: Deadline.optional(),
  })
  .refine(
    (change) => Object.values(change).some((value) => value !== undefined),
    'give at least one of pickupLocation, dropOffLocation, pickupTime, deadline',
  )
  // The refinement above does not reach the OpenAPI document; say the same there.
  .meta({ minProperties: 1 })
  .superRefine(checkTimes);

export const AcceptedDeliveryRequestChange = z.object({
  deliveryId: Identifier,
  pickupLocation: Coordinates.optional(),
  dropOffLocation: Coordinates.optional(),
  pickupTime: z.string().optional(),
  deadline: z.string().nullable().optional(),
});

export const DeliveryRequestIdParams = z.object({ deliveryId: Identifier });

export const AcceptedCancellation = z.object({ deliveryId: Identifier });

export const QueueMessageType = z.enum(['delivery', 'reschedule', 'cancel']);

/** A message on the delivery-request queue: `messageId` is stable per request, so a duplicate publish is dropped. */
export const QueueMessage = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('delivery'), body: AcceptedDeliveryRequest }),
    z.object({ type: z.literal('reschedule'), body: AcceptedDeliveryRequestChange }),
    z.object({ type: z.literal('cancel'), body: AcceptedCancellation }),
  ])
  .and(
    z.object({
      messageId: z.string().min(1).max(256),
      deliveryId: Identifier,
      enqueuedAt: z.string(),
      /** When an operator last put it back on the queue from the dead letters: its retry budget starts again there. */
      redrivenAt: z.string().optional(),
      traceparent: z.string().optional(),
      tracestate: z.string().optional(),
    }),
  );

export type PackageInfo = z.infer<typeof PackageInfo>;
export type DeliveryRequest = z.infer<typeof DeliveryRequest>;
export type AcceptedDeliveryRequest = z.infer<typeof AcceptedDeliveryRequest>;
export type DeliveryAcceptance = z.infer<typeof DeliveryAcceptance>;
export type DeliveryRequestChange = z.infer<typeof DeliveryRequestChange>;
export type AcceptedDeliveryRequestChange = z.infer<typeof AcceptedDeliveryRequestChange>;
export type QueueMessageType = z.infer<typeof QueueMessageType>;
export type QueueMessage = z.infer<typeof QueueMessage>;
export type AcceptanceListQuery = z.infer<typeof AcceptanceListQuery>;
export type AcceptancePage = z.infer<typeof AcceptancePage>;
