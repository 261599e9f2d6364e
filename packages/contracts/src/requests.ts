// Delivery requests, as customers send them to ingestion, and the messages ingestion puts
// on the delivery-request queue for the workflow.
import { z } from 'zod';
import { Deadline } from './deliveries.ts';
import { PackageTag, PackageWeight } from './packages.ts';
import { ConfirmationRequired, Coordinates, Identifier, Instant, Location, PackageSize } from './shared.ts';

export const PackageInfo = z.strictObject({
  packageId: Identifier,
  size: PackageSize,
  weight: PackageWeight,
  tag: PackageTag.optional(),
});

/** `POST /api/deliveryrequests`, field names as in the original application. */
export const DeliveryRequest = z.strictObject({
  ownerId: Identifier,
  pickupLocation: Location,
  dropOffLocation: Location,
  pickupTime: Instant,
  deadline: Deadline.optional(),
  expedited: z.boolean().default(false),
  confirmationRequired: ConfirmationRequired.default('None'),
  packageInfo: PackageInfo,
});

/** What ingestion accepted: the request with its delivery id and both locations as coordinates (labels kept). */
export const AcceptedDeliveryRequest = DeliveryRequest.extend({
  deliveryId: Identifier,
  pickupLocation: Coordinates,
  dropOffLocation: Coordinates,
  deadline: z.string().nullable(),
});

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
  );

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
      traceparent: z.string().optional(),
      tracestate: z.string().optional(),
    }),
  );

export type PackageInfo = z.infer<typeof PackageInfo>;
export type DeliveryRequest = z.infer<typeof DeliveryRequest>;
export type AcceptedDeliveryRequest = z.infer<typeof AcceptedDeliveryRequest>;
export type DeliveryRequestChange = z.infer<typeof DeliveryRequestChange>;
export type AcceptedDeliveryRequestChange = z.infer<typeof AcceptedDeliveryRequestChange>;
export type QueueMessageType = z.infer<typeof QueueMessageType>;
export type QueueMessage = z.infer<typeof QueueMessage>;
