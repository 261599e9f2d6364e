// The delivery service's contract: deliveries (with the drone assignment the workflow
// stores), their status and tracking events, confirmations and notify-me requests.
import { z } from 'zod';
import { DroneAssignment } from './drones.ts';
import { ConfirmationRequired, Coordinates, DeliveryStage, Identifier, Instant, Location, MonthQuery } from './shared.ts';

/** No deadline may be said with null, or with an empty string as in the original samples. */
export const Deadline = z.union([z.literal(''), z.null(), Instant]).transform((value) => (value === '' ? null : value));

/** `PUT /api/deliveries/{id}` (internal): the delivery as scheduled by the workflow. */
export const DeliveryCreate = z.strictObject({
  ownerId: Identifier,
  pickup: Location,
  dropoff: Location,
  pickupTime: Instant,
  deadline: Deadline.optional(),
  expedited: z.boolean().default(false),
  confirmationRequired: ConfirmationRequired.default('None'),
  packageId: Identifier,
  assignment: DroneAssignment,
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
  droneId: Identifier,
  stage: DeliveryStage,
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const DeliveryStatus = z.object({
  stage: DeliveryStage,
  lastKnownLocation: Coordinates.nullable(),
  pickupEta: z.string(),
  deliveryEta: z.string(),
});

export const TrackingEvent = z.object({
  stage: DeliveryStage,
  at: z.string(),
  location: Coordinates.optional(),
});

/** `POST /api/deliveries/{id}/confirmations`: proof of delivery from the drone. */
export const Confirmation = z.strictObject({
  confirmedAt: Instant,
  geoCoordinates: Location,
  confirmationType: ConfirmationRequired,
  /** A reference to the stored proof (picture, voice, fingerprint), not the proof itself. */
  confirmationBlob: z.string().min(1).max(2048).optional(),
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
  });

export const DeliveryIdParams = z.object({ id: Identifier });

export const DeliverySummaryQuery = MonthQuery.extend({ ownerId: Identifier });

export const DeliverySummary = z.object({
  ownerId: Identifier,
  year: z.number().int(),
  month: z.number().int(),
  count: z.number().int().min(0),
});

export type DeliveryCreate = z.infer<typeof DeliveryCreate>;
export type DeliveryReschedule = z.infer<typeof DeliveryReschedule>;
export type Delivery = z.infer<typeof Delivery>;
export type DeliveryStatus = z.infer<typeof DeliveryStatus>;
export type TrackingEvent = z.infer<typeof TrackingEvent>;
export type Confirmation = z.infer<typeof Confirmation>;
export type NotifyMeRequest = z.infer<typeof NotifyMeRequest>;
export type DeliverySummary = z.infer<typeof DeliverySummary>;
