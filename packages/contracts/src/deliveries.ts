// The delivery service's contract: deliveries (with the drone assignment the workflow
// stores), their status and tracking events, confirmations and notify-me requests.
import { z } from 'zod';
import { DroneAssignment } from './drones.ts';
import { LIMITS } from './limits.ts';
import { ConfirmationRequired, Coordinates, DeliveryStage, Identifier, Instant, Location, MonthQuery, text } from './shared.ts';

/** No deadline may be said with null, or with an empty string as in the original samples. */
export const Deadline = z.union([z.literal(''), z.null(), Instant]).transform((value) => (value === '' ? null : value));

/** What a delivery is about, whatever its stage: whose it is, from where to where, when. */
export const DeliveryDetails = z.strictObject({
  ownerId: Identifier,
  pickup: Location,
  dropoff: Location,
  pickupTime: Instant,
  deadline: Deadline.optional(),
  expedited: z.boolean().default(false),
  confirmationRequired: ConfirmationRequired.default('None'),
  packageId: Identifier,
});

/** `PUT /api/deliveries/{id}` (internal): the delivery as scheduled by the workflow. */
export const DeliveryCreate = DeliveryDetails.extend({
  assignment: DroneAssignment,
  /** When ingestion accepted the request: the timeline starts there (`Requested`). */
  requestedAt: Instant.optional(),
});

/** Why a delivery is still `Requested`. */
export const WaitingReason = z.enum(['queued', 'waiting-for-drone']);

/** Why the workflow could not complete a delivery (`Rejected`). */
export const RejectionReason = z.enum([
  'package-owned-by-another-owner',
  'no-capable-drone',
  'invalid-request',
  'no-drone-available',
  'dead-lettered',
  /** The drone flying it (or booked for it) failed; see the message. */
  'drone-fault',
]);

/** Why a reschedule or a cancel was not carried out. */
export const RefusalReason = z.enum(['drone-departed', 'delivery-finished', 'no-drone-available', 'invalid-request', 'dead-lettered']);

const OutcomeMessage = z.string().min(1).max(500);

/** `PUT /api/deliveries/{id}/waiting` (internal): accepted, not schedulable yet, and why. */
export const DeliveryWaiting = DeliveryDetails.extend({
  requestedAt: Instant,
  reason: WaitingReason,
  message: OutcomeMessage,
  /** When a capable drone is expected to be free, where the scheduler could tell. */
  droneExpectedAt: Instant.optional(),
});

/** `PUT /api/deliveries/{id}/rejection` (internal): the workflow gave up on the request. */
export const DeliveryRejection = DeliveryDetails.extend({
  requestedAt: Instant,
  reason: RejectionReason,
  message: OutcomeMessage,
});

/**
 * `PUT /api/deliveries/{id}/failure` (internal): a scheduled delivery that cannot be
 * completed because its drone failed. It ends `Rejected` with the reason, at the place given.
 */
export const DeliveryFailure = z.strictObject({
  reason: z.literal('drone-fault'),
  message: OutcomeMessage,
  at: Instant,
  location: Coordinates,
});

/** `POST /api/deliveries/{id}/refusals` (internal): a reschedule or cancel that was not carried out. */
export const DeliveryRefusal = z.strictObject({
  action: z.enum(['reschedule', 'cancel']),
  reason: RefusalReason,
  message: OutcomeMessage,
  /** The queue message it answers: recording the same refusal twice records it once. */
  requestId: z.string().min(1).max(256),
});

/** `PATCH /api/deliveries/{id}` (internal): a reschedule, with the drone re-planned. */
export const DeliveryReschedule = z
  .strictObject({
    pickup: Location.optional(),
    dropoff: Location.optional(),
    pickupTime: Instant.optional(),
    deadline: Deadline.optional(),
    assignment: DroneAssignment.optional(),
  })
  .refine(
    (patch) => Object.values(patch).some((value) => value !== undefined),
    'give at least one of pickup, dropoff, pickupTime, deadline, assignment',
  );

export const Delivery = z.object({
  id: Identifier,
  ownerId: Identifier,
  pickup: Location,
  dropoff: Location,
  pickupTime: z.string(),
  deadline: z.string().nullable(),
  expedited: z.boolean(),
  confirmationRequired: ConfirmationRequired,
  packageId: Identifier,
  /** null until a drone is assigned (`Requested`), and for a request that was `Rejected`. */
  droneId: Identifier.nullable(),
  stage: DeliveryStage,
  /** While `Requested` or once `Rejected`: a machine-readable code (see WaitingReason, RejectionReason). */
  reason: z.string().optional(),
  /** The same, for a person. */
  message: z.string().optional(),
  /** While waiting for a drone: when one is expected to be free. */
  droneExpectedAt: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const DeliveryStatus = z.object({
  stage: DeliveryStage,
  lastKnownLocation: Coordinates.nullable(),
  /** null while no drone is assigned. */
  pickupEta: z.string().nullable(),
  deliveryEta: z.string().nullable(),
  reason: z.string().optional(),
  message: z.string().optional(),
});

/** What a tracking event records: a stage reached, or a change that was refused. */
export const TrackingEventType = z.enum([...DeliveryStage.options, 'RescheduleRefused', 'CancelRefused']);

export const TrackingEvent = z.object({
  stage: TrackingEventType,
  at: z.string(),
  location: Coordinates.optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
});

/** `GET /api/deliveries`: newest first, one page at a time. */
export const DeliveryListQuery = z.object({
  /** Operators only (customers always list their own). */
  ownerId: Identifier.optional(),
  stage: DeliveryStage.optional(),
  /** Created at or after this instant. */
  from: Instant.optional(),
  /** Created before this instant. */
  to: Instant.optional(),
  limit: z.coerce.number().int().min(1).max(LIMITS.listPageSize.max).default(LIMITS.listPageSize.default),
  /** `nextCursor` of the previous page. */
  cursor: z
    .string()
    .max(256)
    .regex(/^[\w-]+$/, 'must be a nextCursor from a previous page')
    .optional(),
});

export const DeliveryPage = z.object({
  items: z.array(Delivery),
  /** Present when there are more: pass it as `cursor` for the next page. */
  nextCursor: z.string().optional(),
});

/** `POST /api/deliveries/{id}/confirmations`: proof of delivery from the drone. */
export const Confirmation = z.strictObject({
  confirmedAt: Instant,
  geoCoordinates: Location,
  confirmationType: ConfirmationRequired,
  /** A reference to the stored proof (picture, voice, fingerprint), not the proof itself. */
  confirmationBlob: text(LIMITS.confirmationBlobLength, 1).optional(),
});

/** `POST /api/deliveries/{id}/notifymerequests`: tell me when it is delivered. */
export const NotifyMeRequest = z
  .strictObject({
    emailAddress: z.email().max(254).optional(),
    sms: z
      .string()
      .regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 phone number, e.g. +14255550100')
      .optional(),
  })
  .refine((request) => request.emailAddress !== undefined || request.sms !== undefined, {
    message: 'give an emailAddress, an sms number, or both',
  })
  // The refinement above does not reach the OpenAPI document; say the same there.
  .meta({ anyOf: [{ required: ['emailAddress'] }, { required: ['sms'] }] });

export const DeliveryIdParams = z.object({ id: Identifier });

export const DeliverySummaryQuery = MonthQuery.extend({ ownerId: Identifier });

export const DeliverySummary = z.object({
  ownerId: Identifier,
  year: z.number().int(),
  month: z.number().int(),
  count: z.number().int().min(0),
});

export type DeliveryDetails = z.infer<typeof DeliveryDetails>;
export type DeliveryCreate = z.infer<typeof DeliveryCreate>;
export type WaitingReason = z.infer<typeof WaitingReason>;
export type RejectionReason = z.infer<typeof RejectionReason>;
export type RefusalReason = z.infer<typeof RefusalReason>;
export type DeliveryWaiting = z.infer<typeof DeliveryWaiting>;
export type DeliveryRejection = z.infer<typeof DeliveryRejection>;
export type DeliveryRefusal = z.infer<typeof DeliveryRefusal>;
export type DeliveryFailure = z.infer<typeof DeliveryFailure>;
export type TrackingEventType = z.infer<typeof TrackingEventType>;
export type DeliveryListQuery = z.infer<typeof DeliveryListQuery>;
export type DeliveryPage = z.infer<typeof DeliveryPage>;
export type DeliveryReschedule = z.infer<typeof DeliveryReschedule>;
export type Delivery = z.infer<typeof Delivery>;
export type DeliveryStatus = z.infer<typeof DeliveryStatus>;
export type TrackingEvent = z.infer<typeof TrackingEvent>;
export type Confirmation = z.infer<typeof Confirmation>;
export type NotifyMeRequest = z.infer<typeof NotifyMeRequest>;
export type DeliverySummary = z.infer<typeof DeliverySummary>;
