// The double-booking audit on stores written by hand: it passes a sound fleet and finds each
// way a broken one can promise a drone twice (the fault suite's scenario relies on it).
import type { Delivery } from '@dronedelivery/contracts';
import type { StoredBooking, StoredBookings } from '@dronedelivery/dronescheduler/testing';
import { describe, expect, it } from 'vitest';
import { auditBookings } from '../src/booking-audit.ts';

const HOUR = 3_600_000;
const noon = Date.parse('2030-03-10T12:00:00.000Z');
/** A half-hour flight around `pickup`. */
const flight = (droneId: string, deliveryId: string, pickup = noon): StoredBooking => ({
  droneId,
  deliveryId,
  from: pickup - 0.25 * HOUR,
  to: pickup + 0.25 * HOUR,
});
const scheduled = (id: string, droneId: string, pickup = noon) =>
  ({ id, droneId, stage: 'Created', pickupTime: new Date(pickup).toISOString() }) as Delivery;
const waiting = (id: string, pickup = noon) =>
  ({ id, droneId: null, stage: 'Requested', reason: 'waiting-for-drone', pickupTime: new Date(pickup).toISOString() }) as Delivery;
const records = (...deliveries: Delivery[]) => new Map(deliveries.map((delivery) => [delivery.id, delivery]));

/** Two drones, each booked at noon (its reservation and the assignment record agree), and a request waiting. */
const sound = (): { deliveries: Map<string, Delivery>; stored: StoredBookings } => ({
  deliveries: records(scheduled('a', 'd1'), scheduled('b', 'd2'), waiting('c')),
  stored: {
    droneIds: ['d1', 'd2'],
    reservations: [flight('d1', 'a'), flight('d2', 'b')],
    assignments: [flight('d1', 'a'), flight('d2', 'b')],
  },
});

describe('the double-booking audit', () => {
  it('passes a fleet where each drone flies one delivery at a time and a request waits only when all are booked', () => {
    const { deliveries, stored } = sound();
    const audit = auditBookings(['a', 'b', 'c'], deliveries, stored);
    expect(audit).toMatchObject({
      scheduled: ['a', 'b'],
      waiting: ['c'],
      doubleBookings: [],
      unbacked: [],
      waitedWhileFree: [],
      unaccounted: [],
    });
    expect(audit.leaked).toEqual([]);
  });

  it('finds a booking overwritten by another (a write without If-Match): two deliveries told the same drone', () => {
    const { stored } = sound();
    // c was scheduled on d1 too, and its write replaced a's reservation.
    const deliveries = records(scheduled('a', 'd1'), scheduled('b', 'd2'), scheduled('c', 'd1'));
    stored.reservations = [flight('d1', 'c'), flight('d2', 'b')];
    stored.assignments.push(flight('d1', 'c'));
    const audit = auditBookings(['a', 'b', 'c'], deliveries, stored);
    expect(audit.doubleBookings).toEqual([{ droneId: 'd1', deliveryIds: ['c', 'a'] }]);
    expect(audit.unbacked).toEqual(['a']);
  });

  it("finds overlapping reservations on one drone's document", () => {
    const { deliveries, stored } = sound();
    stored.reservations.push(flight('d1', 'x', noon + 0.4 * HOUR));
    expect(auditBookings(['a', 'b', 'c'], deliveries, stored).doubleBookings).toEqual([{ droneId: 'd1', deliveryIds: ['a', 'x'] }]);
  });

  it('lets flights that touch to the second stand, and finds a request waiting while a drone was free', () => {
    const { deliveries, stored } = sound();
    stored.droneIds.push('d3');
    stored.reservations.push(flight('d1', 'y', noon + 0.5 * HOUR));
    const audit = auditBookings(['a', 'b', 'c'], deliveries, stored);
    expect(audit.doubleBookings).toEqual([]);
    expect(audit.waitedWhileFree).toEqual(['c']);
    expect(audit.leaked.map((booking) => booking.deliveryId)).toEqual(['y']);
  });

  it('accounts for every accepted request: one with no delivery record, or rejected for another reason, is not', () => {
    const { deliveries, stored } = sound();
    deliveries.set('r', { id: 'r', droneId: null, stage: 'Rejected', reason: 'dead-lettered' } as Delivery);
    expect(auditBookings(['a', 'b', 'c', 'r', 'gone'], deliveries, stored).unaccounted).toEqual(['r', 'gone']);
  });
});
