// Whether any drone was promised to two deliveries at once, judged on what the stores hold:
// the dronescheduler's bookings as its Cosmos DB containers have them (each drone's
// reservations, each delivery's assignment record) and the delivery service's record of each
// accepted request. Every accepted request must be scheduled on a drone that holds its
// booking, or visibly waiting for a drone, or rejected because none became free in time; no
// two deliveries' flights may overlap on one drone.
import type { Delivery } from '@dronedelivery/contracts';
import type { StoredBooking, StoredBookings } from '@dronedelivery/dronescheduler/testing';

/** Two deliveries whose flights overlap on one drone. */
export interface DoubleBooking {
  droneId: string;
  deliveryIds: [string, string];
}

export interface BookingAudit {
  /** Accepted requests with a drone on their delivery record. */
  scheduled: string[];
  /** Requested, waiting for a drone (waiting-for-drone): the workflow tries again when one is expected back. */
  waiting: string[];
  /** Rejected because no drone became free in time (no-drone-available). */
  rejected: string[];
  /** Accepted requests with no delivery record, or one in none of those states. */
  unaccounted: string[];
  /** Overlapping flights on one drone: among its reservations, and the assignment records that name it. */
  doubleBookings: DoubleBooking[];
  /** Scheduled deliveries whose assignment record names another drone, or whose drone holds no reservation for them. */
  unbacked: string[];
  /** Waiting although a drone had no booking spanning their pickup time (see `freeAt`). */
  waitedWhileFree: string[];
  /** Reservations for a delivery not scheduled on that drone: they keep a drone busy but promise nothing. */
  leaked: StoredBooking[];
}

/** Windows are known to the second (an assignment's end comes from its booked hours): closer than this is no overlap. */
const TOLERANCE_MS = 1_000;

const overlaps = (a: StoredBooking, b: StoredBooking) => a.from < b.to - TOLERANCE_MS && b.from < a.to - TOLERANCE_MS;
const key = (booking: { droneId: string; deliveryId: string }) => `${booking.droneId} ${booking.deliveryId}`;

/** Each drone's flights: its reservations, and the assignment records naming it that it holds no reservation for. */
function flightsByDrone(stored: StoredBookings): Map<string, StoredBooking[]> {
  const flights = new Map<string, StoredBooking>();
  for (const booking of [...stored.reservations, ...stored.assignments]) if (!flights.has(key(booking))) flights.set(key(booking), booking);
  const byDrone = new Map<string, StoredBooking[]>(stored.droneIds.map((droneId) => [droneId, []]));
  for (const flight of flights.values()) byDrone.set(flight.droneId, [...(byDrone.get(flight.droneId) ?? []), flight]);
  return byDrone;
}

function doubleBookings(byDrone: Map<string, StoredBooking[]>): DoubleBooking[] {
  const found: DoubleBooking[] = [];
  for (const [droneId, flights] of byDrone)
    flights.forEach((flight, i) => {
      for (const other of flights.slice(i + 1))
        if (overlaps(flight, other)) found.push({ droneId, deliveryIds: [flight.deliveryId, other.deliveryId] });
    });
  return found;
}

/**
 * The drones with no flight spanning `instant`. A drone flies a delivery from its departure
 * to its return, and the pickup lies in between, so a drone booked at a request's pickup time
 * cannot take it; a drone that is not is free for it as long as its other flights are far from
 * that time (the scenario's pickup times are hours apart, its flights about half an hour).
 */
function freeAt(byDrone: Map<string, StoredBooking[]>, instant: number): string[] {
  return [...byDrone].filter(([, flights]) => !flights.some((flight) => flight.from <= instant && instant <= flight.to)).map(([id]) => id);
}

export function auditBookings(accepted: Iterable<string>, deliveries: Map<string, Delivery>, stored: StoredBookings): BookingAudit {
  const audit: BookingAudit = {
    scheduled: [],
    waiting: [],
    rejected: [],
    unaccounted: [],
    doubleBookings: [],
    unbacked: [],
    waitedWhileFree: [],
    leaked: [],
  };
  for (const id of new Set(accepted)) {
    const delivery = deliveries.get(id);
    if (delivery?.droneId) audit.scheduled.push(id);
    else if (delivery?.stage === 'Requested' && delivery.reason === 'waiting-for-drone') audit.waiting.push(id);
    else if (delivery?.stage === 'Rejected' && delivery.reason === 'no-drone-available') audit.rejected.push(id);
    else audit.unaccounted.push(id);
  }
  const byDrone = flightsByDrone(stored);
  audit.doubleBookings = doubleBookings(byDrone);
  const reserved = new Set(stored.reservations.map(key));
  const assigned = new Map(stored.assignments.map((booking) => [booking.deliveryId, booking.droneId]));
  audit.unbacked = audit.scheduled.filter((id) => {
    const droneId = deliveries.get(id)?.droneId as string;
    return assigned.get(id) !== droneId || !reserved.has(key({ droneId, deliveryId: id }));
  });
  audit.waitedWhileFree = audit.waiting.filter((id) => freeAt(byDrone, Date.parse((deliveries.get(id) as Delivery).pickupTime)).length > 0);
  audit.leaked = stored.reservations.filter((booking) => deliveries.get(booking.deliveryId)?.droneId !== booking.droneId);
  return audit;
}

/** One line for the report: where the requests ended up, and what the audit found. */
export function summarizeAudit(audit: BookingAudit): string {
  const found = [
    `${audit.doubleBookings.length} double-bookings`,
    `${audit.unbacked.length} scheduled without their booking`,
    `${audit.waitedWhileFree.length} waiting while a drone was free`,
    `${audit.leaked.length} bookings held for no delivery`,
  ];
  return `${audit.scheduled.length} scheduled, ${audit.waiting.length} waiting for a drone, ${audit.rejected.length} rejected (no drone free in time), ${audit.unaccounted.length} unaccounted; ${found.join(', ')}`;
}
