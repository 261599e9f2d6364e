// Drone planning rules, free of I/O: which drones can carry a request, when each could fly
// it, which one gets it, and what the flight costs in miles and hours.
import { createHash } from 'node:crypto';
import {
  type Coordinates,
  type DroneAssignment,
  type DroneAssignmentRequest,
  type DroneCondition,
  type DroneFaultRecord,
  type FaultOutcome,
  LIMITS,
  type PackageSize,
  pickupHorizon,
} from '@dronedelivery/contracts';
import { distanceMiles, locate, type ServiceArea } from '@dronedelivery/geo';
import { Conflict, Unprocessable } from '@dronedelivery/service-kit';
import type { Drone } from './fleet.ts';

/** A drone is taken for a delivery from departure until it is back at its base. */
export interface Reservation {
  deliveryId: string;
  from: string;
  to: string;
}

/** A drone's reported failure, kept until it is repaired, with the deliveries it ended (so a repeated report answers the same). */
export interface StoredFault extends DroneFaultRecord {
  deliveries: FaultOutcome['deliveries'];
}

export interface DroneState {
  drone: Drone;
  reservations: Reservation[];
  /** Set while the drone is out of service: planning never books it. */
  fault?: StoredFault | undefined;
  /** Opaque version for compare-and-set writes (an ETag in Cosmos DB). */
  version: string;
}

/** What a flight costs, recorded for the owner's month (invoicing). */
export interface Usage {
  month: string;
  miles: number;
  hours: number;
}

export interface Plan {
  droneId: string;
  assignment: DroneAssignment;
  reservation: Reservation;
  usage: Usage;
}

const SIZE_RANK: Record<PackageSize, number> = { Small: 1, Medium: 2, Large: 3 };
const HOUR_MS = 3_600_000;

/** Every capable drone is booked at that time; the workflow retries when one is expected back. */
export class NoDroneAvailable extends Conflict {
  constructor(deliveryId: string, retryAfterSeconds: number) {
    super(`No drone that can carry delivery ${deliveryId} is free at the requested time; retry later.`, {
      slug: 'no-drone-available',
      retryAfterSeconds,
      extensions: { retryAfterSeconds },
    });
  }
}

/** No drone in the fleet could ever carry this; retrying will not help. */
export class NoDroneCanCarry extends Unprocessable {
  constructor(size: PackageSize, weightKg: number) {
    super(`No drone in the fleet carries a ${size} package load of ${weightKg} kg.`, { slug: 'no-capable-drone' });
  }
}

/** A pickup past the planning horizon; the same request will never be planned. */
export class PickupBeyondHorizon extends Unprocessable {
  constructor(pickupTime: string) {
    super(`The pickup time ${pickupTime} is more than ${LIMITS.pickupHorizonDays} days ahead; drones are planned within that horizon.`, {
      slug: 'pickup-beyond-horizon',
    });
  }
}

const round = (value: number, places: number) => Math.round(value * 10 ** places) / 10 ** places;
/** Schedules are kept to the second. */
const toSecond = (epochMs: number) => new Date(Math.round(epochMs / 1000) * 1000).toISOString();

export function canCarry(drone: Drone, request: DroneAssignmentRequest): boolean {
  const largest = Math.max(...request.packageDetails.map((p) => SIZE_RANK[p.size]));
  const weight = request.packageDetails.reduce((sum, p) => sum + p.weight, 0);
  return largest <= SIZE_RANK[drone.payload.maxSize] && weight <= drone.payload.maxWeightKg;
}

function overlaps(a: { from: number; to: number }, b: Reservation): boolean {
  return a.from < Date.parse(b.to) && Date.parse(b.from) < a.to;
}

interface Candidate {
  drone: Drone;
  deadheadMiles: number;
  departure: number;
  pickupAt: number;
  deliveredAt: number;
  backAt: number;
  miles: number;
}

/**
 * When `drone` would fly the request: it leaves its base so as to be at the pickup at the
 * requested time (or as soon as it can get there, if that time has passed), flies to the
 * dropoff and returns to base.
 */
function timing(drone: Drone, pickup: Coordinates, dropoff: Coordinates, pickupTime: number, now: number, speed: number): Candidate {
  const { base, cruiseSpeedMph } = drone;
  const toPickup = distanceMiles(base, pickup);
  const toDropoff = distanceMiles(pickup, dropoff);
  const home = distanceMiles(dropoff, base);
  // The planned world's time scale (SIMULATION_SPEED): every leg takes 1/speed of its real time.
  const hours = (miles: number) => (miles / cruiseSpeedMph / speed) * HOUR_MS;
  const pickupAt = Math.max(pickupTime, now + hours(toPickup));
  const deliveredAt = pickupAt + hours(toDropoff);
  return {
    drone,
    deadheadMiles: toPickup,
    departure: pickupAt - hours(toPickup),
    pickupAt,
    deliveredAt,
    backAt: deliveredAt + hours(home),
    miles: toPickup + toDropoff + home,
  };
}

/** Where and when a request flies; refuses a pickup past the planning horizon. */
interface Trip {
  pickup: Coordinates;
  dropoff: Coordinates;
  pickupTime: number;
}

function tripOf(request: DroneAssignmentRequest, now: Date, area: ServiceArea): Trip {
  // Every instant of a plan must be one the API can write: refuse what lies past the horizon.
  if (Date.parse(request.pickupTime) > pickupHorizon(now.getTime())) throw new PickupBeyondHorizon(request.pickupTime);
  return { pickup: locate(request.pickup, area), dropoff: locate(request.dropoff, area), pickupTime: Date.parse(request.pickupTime) };
}

/**
 * The drones that can carry a request, best first, from their definitions alone (base, speed,
 * payload): standard requests prefer the nearest (fewest empty miles, which keeps fast drones
 * free), expedited requests the drone that delivers first, which favours faster drones; ties
 * go to the lower drone id. Throws when none can carry the load.
 */
function ranked(request: DroneAssignmentRequest, drones: readonly Drone[], trip: Trip, now: Date, speed: number): Candidate[] {
  const capable = drones.filter((drone) => canCarry(drone, request));
  if (capable.length === 0) {
    const largest = request.packageDetails.map((p) => p.size).sort((a, b) => SIZE_RANK[b] - SIZE_RANK[a])[0] as PackageSize;
    throw new NoDroneCanCarry(
      largest,
      round(
        request.packageDetails.reduce((sum, p) => sum + p.weight, 0),
        3,
      ),
    );
  }
  const rank = request.expedited
    ? (a: Candidate, b: Candidate) => a.deliveredAt - b.deliveredAt || a.deadheadMiles - b.deadheadMiles
    : (a: Candidate, b: Candidate) => a.deadheadMiles - b.deadheadMiles || a.deliveredAt - b.deliveredAt;
  return capable
    .map((drone) => timing(drone, trip.pickup, trip.dropoff, trip.pickupTime, now.getTime(), speed))
    .sort((a, b) => rank(a, b) || a.drone.id.localeCompare(b.drone.id));
}

/** Undefined if the drone is free for `candidate`'s window; otherwise when the first of its flights in the way ends. */
function busyUntil(deliveryId: string, candidate: Candidate, reservations: readonly Reservation[]): number | undefined {
  const window = { from: candidate.departure, to: candidate.backAt };
  let until: number | undefined;
  // Its own earlier reservation does not stand in a delivery's way when it is re-planned.
  for (const reservation of reservations) {
    if (reservation.deliveryId !== deliveryId && overlaps(window, reservation))
      until = Math.min(until ?? Infinity, Date.parse(reservation.to));
  }
  return until;
}

/** No drone free: retry once the earliest conflicting flight is back, within reason. */
export function noDroneAvailable(deliveryId: string, soonestReturn: number, now: Date): NoDroneAvailable {
  return new NoDroneAvailable(deliveryId, Math.min(3600, Math.max(5, Math.ceil((soonestReturn - now.getTime()) / 1000))));
}

/**
 * The ids of the drones that can carry a request, best first (see `ranked`), from the
 * fleet's definitions: no bookings needed, so no store read. The scheduler then reads the
 * best few one by one (planOn) until one is free.
 */
export function rankDrones(request: DroneAssignmentRequest, drones: readonly Drone[], now: Date, area: ServiceArea, speed = 1): string[] {
  return ranked(request, drones, tripOf(request, now, area), now, speed).map((candidate) => candidate.drone.id);
}

/**
 * The plan for one drone as it was read (its stored definition and bookings): a plan if it
 * is free for the flight, the time its conflicting flight ends if not, undefined if it
 * cannot carry the load or is out of service (faulted).
 */
export function planOn(
  deliveryId: string,
  request: DroneAssignmentRequest,
  state: DroneState,
  now: Date,
  area: ServiceArea,
  speed = 1,
): { plan: Plan } | { busyUntil: number } | undefined {
  if (state.fault || !canCarry(state.drone, request)) return undefined;
  const trip = tripOf(request, now, area);
  const candidate = timing(state.drone, trip.pickup, trip.dropoff, trip.pickupTime, now.getTime(), speed);
  const until = busyUntil(deliveryId, candidate, state.reservations);
  return until === undefined ? { plan: toPlan(deliveryId, candidate, trip.pickup, trip.dropoff) } : { busyUntil: until };
}

/**
 * Ranks the drones free to fly a request, best first, over a whole read of the fleet (see
 * `ranked`). Returns at most `limit` plans; throws when no drone is free or none can carry
 * the load. The rule the scheduler applies drone by drone (rankDrones, planOn).
 */
export function rankPlans(
  deliveryId: string,
  request: DroneAssignmentRequest,
  fleet: DroneState[],
  now: Date,
  area: ServiceArea,
  limit = 1,
  speed = 1,
): Plan[] {
  const trip = tripOf(request, now, area);
  // A faulted drone is out of service: it is not a candidate at all.
  const inService = fleet.filter((state) => !state.fault);
  const states = new Map(inService.map((state) => [state.drone.id, state]));
  // Check bookings best-first and stop at `limit` free drones: most requests look at a few.
  const plans: Plan[] = [];
  let soonestReturn = Number.POSITIVE_INFINITY;
  for (const candidate of ranked(
    request,
    inService.map((state) => state.drone),
    trip,
    now,
    speed,
  )) {
    const until = busyUntil(deliveryId, candidate, (states.get(candidate.drone.id) as DroneState).reservations);
    if (until === undefined) plans.push(toPlan(deliveryId, candidate, trip.pickup, trip.dropoff));
    else soonestReturn = Math.min(soonestReturn, until);
    if (plans.length === limit) break;
  }
  if (plans.length === 0) throw noDroneAvailable(deliveryId, soonestReturn, now);
  return plans;
}

/** The best plan (see rankPlans). */
export function planAssignment(
  deliveryId: string,
  request: DroneAssignmentRequest,
  fleet: DroneState[],
  now: Date,
  area: ServiceArea,
): Plan {
  return rankPlans(deliveryId, request, fleet, now, area)[0] as Plan;
}

function toPlan(deliveryId: string, best: Candidate, pickup: Coordinates, dropoff: Coordinates): Plan {
  const { drone } = best;
  const assignment: DroneAssignment = {
    droneId: drone.id,
    pickupEta: toSecond(best.pickupAt),
    deliveryEta: toSecond(best.deliveredAt),
    distanceMiles: round(distanceMiles(pickup, dropoff), 2),
    route: [
      { ...drone.base, at: toSecond(best.departure) },
      { ...pickup, at: toSecond(best.pickupAt) },
      { ...dropoff, at: toSecond(best.deliveredAt) },
    ],
  };
  return {
    droneId: drone.id,
    assignment,
    reservation: { deliveryId, from: toSecond(best.departure), to: toSecond(best.backAt) },
    usage: {
      month: new Date(best.pickupAt).toISOString().slice(0, 7),
      miles: round(best.miles, 2),
      hours: round((best.backAt - best.departure) / HOUR_MS, 4),
    },
  };
}

/** Identifies a request's content: a retry of the same request is recognised by it. */
export function requestKey(request: DroneAssignmentRequest): string {
  return createHash('sha256').update(JSON.stringify(request)).digest('base64url');
}

/** Reservations worth keeping: those that have not long ended. */
export function current(reservations: Reservation[], now: Date): Reservation[] {
  return reservations.filter((r) => Date.parse(r.to) > now.getTime() - HOUR_MS);
}

/** The reservation a drone is flying at `instant` (departed, not back at base yet), if any. */
export function flightAt(reservations: readonly Reservation[], instant: number): Reservation | undefined {
  return reservations.find((r) => Date.parse(r.from) <= instant && instant < Date.parse(r.to));
}

/** A drone's condition at `instant`: out of service, on a flight, or at its base. */
export function conditionOf(state: DroneState, instant: number): DroneCondition {
  if (state.fault) return 'faulted';
  return flightAt(state.reservations, instant) ? 'flying' : 'idle';
}

/**
 * The bookings a fault at `at` ends: the flight in progress and every later one. Flights
 * already back at base stay on record (they happened).
 */
export function endedByFault(reservations: readonly Reservation[], at: number): { ended: Reservation[]; kept: Reservation[] } {
  const ended = reservations.filter((r) => Date.parse(r.to) > at);
  return { ended, kept: reservations.filter((r) => !ended.includes(r)) };
}
