// Simulated customers, as pure functions: how many deliveries to ask for now within the
// bounds (a rate, at most so many unfinished, so many in all), and each request's body: a
// pickup now and a drop-off inside the service area, with a package the fleet can carry.
import type { ConfirmationRequired, Coordinates, DeliveryRequest, PackageSize } from '@dronedelivery/contracts';
import type { ServiceArea } from '@dronedelivery/geo';
import { between, type Random, weighted } from './random.ts';

export interface TrafficLimits {
  perMinute: number;
  maxOutstanding: number;
  maxTotal: number;
}

export interface TrafficCount {
  /** Requests sent so far, whatever their answer. */
  sent: number;
  /** Accepted requests not finished yet. */
  outstanding: number;
}

/** The requests the bounds allow now: never beyond the total, never beyond the unfinished limit. */
export function allowance(limits: TrafficLimits, count: TrafficCount): number {
  return Math.max(0, Math.min(limits.maxTotal - count.sent, limits.maxOutstanding - count.outstanding));
}

/**
 * Requests earned at `perMinute` over `elapsedMs`, added to what was left. What the bounds
 * held back is not saved up beyond one tick's worth: a customer who could not ask while the
 * limit was reached does not then ask for everything at once.
 */
export function accrue(credit: number, perMinute: number, elapsedMs: number): number {
  const earned = (perMinute * Math.max(0, elapsedMs)) / 60_000;
  return Math.min(credit + earned, Math.max(1, earned));
}

/** How many to send now, and the credit left after sending them. */
export function requestsDue(credit: number, limits: TrafficLimits, count: TrafficCount): { send: number; credit: number } {
  const send = Math.min(Math.floor(credit), allowance(limits, count));
  return { send, credit: credit - send };
}

/** The demo owners: demo-owner-1..n. */
export const demoOwners = (count: number): string[] => Array.from({ length: count }, (_, i) => `demo-owner-${i + 1}`);

/** Sizes in the shares a parcel service sees, each with weights the drones of that class lift (dronescheduler's fleet). */
const PACKAGES: readonly (readonly [{ size: PackageSize; minKg: number; maxKg: number }, number])[] = [
  [{ size: 'Small', minKg: 0.1, maxKg: 2.5 }, 6],
  [{ size: 'Medium', minKg: 1, maxKg: 10 }, 3],
  [{ size: 'Large', minKg: 5, maxKg: 25 }, 1],
];
const TAGS = ['parcel', 'groceries', 'pharmacy', 'electronics', 'documents', 'flowers'] as const;
const CONFIRMATIONS: readonly (readonly [ConfirmationRequired, number])[] = [
  ['None', 7],
  ['Picture', 1],
  ['FingerPrint', 1],
  ['Voice', 1],
];

/** A point drawn uniformly inside the area, to the metre. */
export function pointIn(random: Random, area: ServiceArea): Coordinates {
  const round = (degrees: number) => Math.round(degrees * 1e5) / 1e5;
  return { latitude: round(between(random, area.south, area.north)), longitude: round(between(random, area.west, area.east)) };
}

export interface RequestContext {
  owners: readonly string[];
  area: ServiceArea;
  /** Tells this run's package ids from another run's with the same seed. */
  runId: string;
}

/** The `number`th delivery request of a run: an owner, places, a package, a pickup now. */
export function deliveryRequest(random: Random, context: RequestContext, number: number, now: number): DeliveryRequest {
  const kind = weighted(random, PACKAGES);
  const weight = Math.round(between(random, kind.minKg, kind.maxKg) * 10) / 10;
  return {
    ownerId: context.owners[Math.floor(random() * context.owners.length)] as string,
    pickupLocation: pointIn(random, context.area),
    dropOffLocation: pointIn(random, context.area),
    pickupTime: new Date(now).toISOString(),
    expedited: random() < 0.2,
    confirmationRequired: weighted(random, CONFIRMATIONS),
    packageInfo: {
      packageId: `sim-${context.runId}-${number}`,
      size: kind.size,
      weight,
      tag: TAGS[Math.floor(random() * TAGS.length)] as string,
    },
  };
}
