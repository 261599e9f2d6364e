// Planning on a known geometry: which drone, when, and at what cost.
import { distanceMiles, SEATTLE } from '@dronedelivery/geo';
import { describe, expect, it } from 'vitest';
import { type DroneState, NoDroneAvailable, NoDroneCanCarry, planAssignment } from '../src/domain.ts';
import { dropoff, fleet, north, now, pickup, request } from './fixtures.ts';

const idle = (): DroneState[] => fleet.map((drone) => ({ drone, reservations: [], version: '1' }));
const minutes = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 60_000;

describe('planAssignment', () => {
  it('gives a standard request the nearest drone that can carry it, with ETAs from its speed', () => {
    const plan = planAssignment('d-1', request(), idle(), now, SEATTLE);
    // north-light is nearer but carries Small packages only.
    expect(plan.droneId).toBe('north-slow');
    const { assignment, reservation, usage } = plan;
    expect(assignment.pickupEta).toBe('2030-03-10T10:00:00.000Z');
    const leg = distanceMiles(pickup, dropoff);
    expect(minutes(assignment.pickupEta, assignment.deliveryEta)).toBeCloseTo((leg / 30) * 60, 1);
    expect(minutes(reservation.from, assignment.pickupEta)).toBeCloseTo((distanceMiles(north, pickup) / 30) * 60, 1);
    expect(assignment.distanceMiles).toBeCloseTo(leg, 2);
    expect(assignment.route.map((point) => [point.latitude, point.longitude])).toEqual([
      [north.latitude, north.longitude],
      [pickup.latitude, pickup.longitude],
      [dropoff.latitude, dropoff.longitude],
    ]);
    const loop = distanceMiles(north, pickup) + leg + distanceMiles(dropoff, north);
    expect(usage.miles).toBeCloseTo(loop, 2);
    expect(usage.hours).toBeCloseTo(loop / 30, 3);
    expect(usage.month).toBe('2030-03');
    expect(minutes(reservation.from, reservation.to)).toBeCloseTo((loop / 30) * 60, 1);
  });

  it('gives an expedited request the drone that delivers first, here the faster one from further away', () => {
    const plan = planAssignment('d-1', request({ expedited: true }), idle(), now, SEATTLE);
    expect(plan.droneId).toBe('south-fast');
    expect(minutes(plan.assignment.pickupEta, plan.assignment.deliveryEta)).toBeCloseTo((distanceMiles(pickup, dropoff) / 60) * 60, 1);
  });

  it('flies as soon as it can when the requested pickup time has passed', () => {
    const plan = planAssignment('d-1', request({ pickupTime: '2019-05-08T20:00:00.000Z' }), idle(), now, SEATTLE);
    expect(plan.reservation.from).toBe(now.toISOString());
    expect(minutes(now.toISOString(), plan.assignment.pickupEta)).toBeCloseTo((distanceMiles(north, pickup) / 30) * 60, 1);
  });

  it('skips a drone booked at that time and takes the next nearest', () => {
    const fleetState = idle();
    (fleetState[0] as DroneState).reservations.push({
      deliveryId: 'other',
      from: '2030-03-10T09:30:00.000Z',
      to: '2030-03-10T11:00:00.000Z',
    });
    expect(planAssignment('d-1', request(), fleetState, now, SEATTLE).droneId).toBe('south-fast');
  });

  it("ignores the delivery's own earlier reservation when re-planning it", () => {
    const fleetState = idle();
    (fleetState[0] as DroneState).reservations.push({
      deliveryId: 'd-1',
      from: '2030-03-10T09:30:00.000Z',
      to: '2030-03-10T11:00:00.000Z',
    });
    expect(planAssignment('d-1', request(), fleetState, now, SEATTLE).droneId).toBe('north-slow');
  });

  it('answers 409 with a Retry-After when every capable drone is booked', () => {
    const fleetState = idle().map((state) => ({
      ...state,
      reservations: [{ deliveryId: 'x', from: '2030-03-10T09:00:00.000Z', to: '2030-03-10T12:00:00.000Z' }],
    }));
    let error: unknown;
    try {
      planAssignment('d-1', request(), fleetState, now, SEATTLE);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(NoDroneAvailable);
    expect((error as NoDroneAvailable).kind).toBe('conflict');
    // Until the earliest conflicting flight is back (12:00), capped at an hour.
    expect((error as NoDroneAvailable).retryAfterSeconds).toBe(3600);
  });

  it('answers 422 when no drone in the fleet could ever carry the load', () => {
    expect(() => planAssignment('d-1', request({ packageDetails: [{ id: 'p', size: 'Large', weight: 5 }] }), idle(), now, SEATTLE)).toThrow(
      NoDroneCanCarry,
    );
    expect(() =>
      planAssignment(
        'd-1',
        request({
          packageDetails: [
            { id: 'p', size: 'Small', weight: 6 },
            { id: 'q', size: 'Small', weight: 6 },
          ],
        }),
        idle(),
        now,
        SEATTLE,
      ),
    ).toThrow('No drone in the fleet carries a Small package load of 12 kg.');
  });

  it('places address labels deterministically in the service area', () => {
    const a = planAssignment('d-1', request({ pickup: 'mypickup', dropoff: 'mydropoff' }), idle(), now, SEATTLE);
    const b = planAssignment('d-2', request({ pickup: 'mypickup', dropoff: 'mydropoff' }), idle(), now, SEATTLE);
    expect(a.assignment.route.slice(1)).toEqual(b.assignment.route.slice(1));
  });
});
