// What a simulated drone does on one flight, as pure functions of the planned flight, the seed
// and the clock: whether and when it fails, what is due now, and the bodies it sends.
// Progress along the route is not reported: the API derives stage and position from the plan.
import type { Confirmation, ConfirmationRequired, DroneFault, Flight } from '@dronedelivery/contracts';
import { positionAt } from '@dronedelivery/geo';
import { streamFor } from './random.ts';

export interface FlightPlan {
  droneId: string;
  deliveryId: string;
  /** Departure from base: the first waypoint. */
  departureAt: number;
  deliveryEta: number;
  /** When the drone fails, for a flight that fails: between departure and the drop-off. */
  faultAt: number | undefined;
}

/**
 * Decides a flight's fate once: it fails with probability `faultRate`, at an instant drawn
 * uniformly between departure and the drop-off. Both draws come from the flight's own stream.
 */
export function planFlight(droneId: string, flight: Flight, faultRate: number, seed: number): FlightPlan {
  const random = streamFor(seed, flight.deliveryId);
  const fails = random() < faultRate;
  const fraction = random();
  const deliveryEta = Date.parse(flight.deliveryEta);
  const departureAt = Math.min(Date.parse(flight.route[0]?.at ?? flight.pickupEta), deliveryEta);
  return {
    droneId,
    deliveryId: flight.deliveryId,
    departureAt,
    deliveryEta,
    faultAt: fails ? departureAt + fraction * (deliveryEta - departureAt) : undefined,
  };
}

export type DueAction = 'fault' | 'confirm';

/** What the drone must do now, if anything: a failure comes before the drop-off it prevents. */
export function dueAction(plan: FlightPlan, now: number): DueAction | undefined {
  if (plan.faultAt !== undefined) return now >= plan.faultAt ? 'fault' : undefined;
  return now >= plan.deliveryEta ? 'confirm' : undefined;
}

/**
 * Proof of delivery at the planned drop-off, at the planned instant. The body depends only on
 * the flight, so a repeat after a lost answer is the same confirmation, which the delivery
 * service answers as the first (never a second drop-off).
 */
export function confirmationOf(flight: Flight, confirmationType: ConfirmationRequired): Confirmation {
  const dropoff = flight.route.at(-1);
  if (!dropoff) throw new Error(`delivery ${flight.deliveryId}: a route has at least two waypoints`);
  return {
    confirmedAt: flight.deliveryEta,
    geoCoordinates: { latitude: dropoff.latitude, longitude: dropoff.longitude },
    confirmationType,
    // The proof itself stays with the drone; the confirmation carries a reference to it.
    ...(confirmationType === 'None'
      ? {}
      : { confirmationBlob: `simulator://proofs/${flight.deliveryId}/${confirmationType.toLowerCase()}` }),
  };
}

/** The failure report: where the plan had the drone at the instant it failed. */
export function faultOf(flight: Flight, faultAt: number): DroneFault {
  return {
    at: new Date(faultAt).toISOString(),
    location: positionAt(flight.route, faultAt),
    deliveryId: flight.deliveryId,
    reason: 'simulated failure in flight',
  };
}

/** How long to wait before acting again on a flight whose call failed `attempts` times: 1 s doubling, at most 30 s. */
export function retryDelayMs(attempts: number): number {
  return Math.min(30_000, 1_000 * 2 ** Math.max(0, attempts - 1));
}
