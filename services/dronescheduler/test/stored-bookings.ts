// The bookings as the dronescheduler's Cosmos DB containers hold them, read straight from the
// containers rather than through the adapter (whose writes are what a check is about): each
// drone's reservations, which planning sees, and each delivery's assignment record, the
// answer it was given. Both as flight windows on a drone.
import type { CosmosClient } from '@azure/cosmos';
import type { Reservation } from '../src/domain.ts';
import { CONTAINERS } from '../src/store/cosmos.ts';
import type { AssignmentRecord } from '../src/store/store.ts';

/** A drone taken for a delivery from `from` until `to` (epoch milliseconds). */
export interface StoredBooking {
  droneId: string;
  deliveryId: string;
  from: number;
  to: number;
}

export interface StoredBookings {
  /** Every drone in the store. */
  droneIds: string[];
  /** The reservations on the drones' documents. */
  reservations: StoredBooking[];
  /**
   * The assignment records: the drone each delivery was given, from the departure (the
   * route's first waypoint) for the booked hours (kept to 4 places: within a second of the
   * reservation's end).
   */
  assignments: StoredBooking[];
}

const HOUR_MS = 3_600_000;

/** Reads every drone and every assignment record of the database (cross-partition queries). */
export async function storedBookings(client: CosmosClient, database: string): Promise<StoredBookings> {
  const containers = client.database(database);
  const { resources: drones } = await containers
    .container(CONTAINERS.drones.id)
    .items.query<{ id: string; reservations: Reservation[] }>('SELECT * FROM c')
    .fetchAll();
  const { resources: records } = await containers
    .container(CONTAINERS.assignments.id)
    .items.query<AssignmentRecord>('SELECT * FROM c')
    .fetchAll();
  return {
    droneIds: drones.map((drone) => drone.id),
    reservations: drones.flatMap((drone) =>
      drone.reservations.map((reservation) => ({
        droneId: drone.id,
        deliveryId: reservation.deliveryId,
        from: Date.parse(reservation.from),
        to: Date.parse(reservation.to),
      })),
    ),
    assignments: records.map(({ deliveryId, assignment, usage }) => {
      const from = Date.parse(assignment.route[0]?.at ?? '');
      return { droneId: assignment.droneId, deliveryId, from, to: from + usage.hours * HOUR_MS };
    }),
  };
}
