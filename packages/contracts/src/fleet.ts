// The fleet as operators and drones see it: every drone with its state and the flight it is
// on, and what a drone reports when it fails mid-flight.
import { z } from 'zod';
import { DroneAssignmentView } from './drones.ts';
import { Coordinates, Identifier, Instant, PackageSize, text } from './shared.ts';

/** `idle`: at its base, free; `flying`: between departure and its return to base; `faulted`: out of service. */
export const DroneCondition = z.enum(['idle', 'flying', 'faulted']);

/** The flight a drone is on: its delivery's assignment and when it is back at base. */
export const Flight = DroneAssignmentView.extend({ returnAt: Instant });

/** A drone's failure, as reported, until an operator returns it to service. */
export const DroneFaultRecord = z.object({
  at: Instant,
  location: Coordinates,
  /** The delivery it was flying, if any. */
  deliveryId: Identifier.nullable(),
  reason: z.string(),
});

export const FleetDrone = z.object({
  id: Identifier,
  base: Coordinates,
  cruiseSpeedMph: z.number(),
  payload: z.object({ maxSize: PackageSize, maxWeightKg: z.number() }),
  state: DroneCondition,
  flight: Flight.nullable(),
  fault: DroneFaultRecord.nullable(),
});

export const FleetSummary = z.object({
  total: z.number().int().min(0),
  idle: z.number().int().min(0),
  flying: z.number().int().min(0),
  faulted: z.number().int().min(0),
  /** Share of the drones in service that are flying now, 0..1. */
  utilization: z.number().min(0).max(1),
});

/** `GET /api/drones`: the fleet now. */
export const FleetView = z.object({ at: Instant, summary: FleetSummary, drones: z.array(FleetDrone) });

export const FleetQuery = z.object({ state: DroneCondition.optional() });

export const DroneIdParams = z.object({ droneId: Identifier });

/** `POST /api/drones/{droneId}/faults`: a drone reports that it cannot fly on. */
export const DroneFault = z.strictObject({
  at: Instant,
  location: Coordinates,
  /** The delivery it was flying, as the drone knows it. */
  deliveryId: Identifier.optional(),
  reason: text(200, 1).default('drone fault'),
});

/**
 * What a fault did: the drone is out of service; each delivery it had booked (the one in
 * flight and any later ones) ended `Rejected` with reason `drone-fault`.
 */
export const FaultOutcome = z.object({
  droneId: Identifier,
  state: DroneCondition,
  /** The deliveries the fault ended, each with whether its package was on board. */
  deliveries: z.array(z.object({ deliveryId: Identifier, ownerId: Identifier, packageOnBoard: z.boolean() })),
});

export type DroneCondition = z.infer<typeof DroneCondition>;
export type Flight = z.infer<typeof Flight>;
export type DroneFaultRecord = z.infer<typeof DroneFaultRecord>;
export type FleetDrone = z.infer<typeof FleetDrone>;
export type FleetSummary = z.infer<typeof FleetSummary>;
export type FleetView = z.infer<typeof FleetView>;
export type DroneFault = z.infer<typeof DroneFault>;
export type FaultOutcome = z.infer<typeof FaultOutcome>;
