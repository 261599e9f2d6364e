// The dronescheduler's contract: assignment requests, the assignment (with its timed
// route, which the delivery service follows), and monthly utilization for invoicing.
import { z } from 'zod';
import { PackageWeight } from './packages.ts';
import { Coordinates, Identifier, Instant, Location, MonthQuery, PackageSize } from './shared.ts';

/** Where the drone is planned to be, and when: its route is a list of these. */
export const Waypoint = Coordinates.extend({ at: Instant });

/** What the dronescheduler decided for a delivery. */
export const DroneAssignment = z.object({
  droneId: Identifier,
  pickupEta: Instant,
  deliveryEta: Instant,
  distanceMiles: z.number().min(0),
  /** Departure from the drone's base, the pickup, the dropoff: in time order. */
  route: z
    .array(Waypoint)
    .min(2)
    .max(16)
    .refine(
      (route) => route.every((point, i) => i === 0 || Date.parse(point.at) >= Date.parse(route[i - 1]?.at ?? '')),
      'waypoints must be in time order',
    ),
});

/** `GET /api/dronedeliveries/{deliveryId}`: a delivery's assignment, with whose it is. */
export const DroneAssignmentView = DroneAssignment.extend({ deliveryId: Identifier, ownerId: Identifier });

export const PackageDetail = z.object({ id: Identifier, size: PackageSize, weight: PackageWeight });

/** `PUT /api/dronedeliveries/{deliveryId}` (internal). */
export const DroneAssignmentRequest = z.strictObject({
  ownerId: Identifier,
  pickup: Location,
  dropoff: Location,
  pickupTime: Instant,
  expedited: z.boolean().default(false),
  packageDetails: z.array(PackageDetail).min(1).max(10),
});

export const DroneDeliveryIdParams = z.object({ deliveryId: Identifier });

export const UtilizationQuery = MonthQuery.extend({ ownerId: Identifier });

export const Utilization = z.object({
  ownerId: Identifier,
  year: z.number().int(),
  month: z.number().int(),
  traveledMiles: z.number().min(0),
  assignedHours: z.number().min(0),
  deliveries: z.number().int().min(0),
});

export type Waypoint = z.infer<typeof Waypoint>;
export type DroneAssignment = z.infer<typeof DroneAssignment>;
export type DroneAssignmentView = z.infer<typeof DroneAssignmentView>;
export type PackageDetail = z.infer<typeof PackageDetail>;
export type DroneAssignmentRequest = z.infer<typeof DroneAssignmentRequest>;
export type Utilization = z.infer<typeof Utilization>;
