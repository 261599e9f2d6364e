// A simulated drone's decisions: when it confirms its drop-off, whether and when it fails
// (reproducibly, from the seed), where it is when it does, and that each is sent once.
import { Confirmation, DroneFault } from '@dronedelivery/contracts';
import { describe, expect, it } from 'vitest';
import { FlightBook } from '../src/flight-book.ts';
import { confirmationOf, dueAction, faultOf, planFlight, retryDelayMs } from '../src/flight-plan.ts';
import { DROPOFF, flight, flyingDrone, PICKUP } from './flights.ts';

const DEPART = Date.parse('2030-01-01T10:00:00Z');
const LEG = 60_000;

describe('a flight without faults', () => {
  const plan = planFlight('drone-1', flight('d-1', DEPART, LEG), 0, 1);

  it('confirms nothing before the planned drop-off, and the drop-off from then on', () => {
    expect(plan.faultAt).toBeUndefined();
    expect(dueAction(plan, DEPART + 2 * LEG - 1)).toBeUndefined();
    expect(dueAction(plan, DEPART + 2 * LEG)).toBe('confirm');
    expect(dueAction(plan, DEPART + 10 * LEG)).toBe('confirm');
  });

  it('confirms at the drop-off point, at the planned instant, as the contract has it', () => {
    const body = confirmationOf(flight('d-1', DEPART, LEG), 'None');
    expect(Confirmation.parse(body)).toEqual({
      confirmedAt: new Date(DEPART + 2 * LEG).toISOString(),
      geoCoordinates: { latitude: DROPOFF.latitude, longitude: DROPOFF.longitude },
      confirmationType: 'None',
    });
  });

  it('gives a proof reference when the delivery needs one', () => {
    const body = Confirmation.parse(confirmationOf(flight('d-1', DEPART, LEG), 'Picture'));
    expect(body).toMatchObject({ confirmationType: 'Picture', confirmationBlob: expect.stringContaining('d-1') });
  });
});

describe('faults', () => {
  const flights = Array.from({ length: 2_000 }, (_, i) => flight(`delivery-${i}`, DEPART, LEG));

  it('fail every flight at FAULT_RATE=1, at an instant between departure and drop-off, and none at 0', () => {
    for (const f of flights.slice(0, 200)) {
      const plan = planFlight('drone-1', f, 1, 7);
      expect(plan.faultAt).toBeGreaterThanOrEqual(DEPART);
      expect(plan.faultAt).toBeLessThan(DEPART + 2 * LEG);
      expect(planFlight('drone-1', f, 0, 7).faultAt).toBeUndefined();
    }
  });

  it('fail about FAULT_RATE of the flights, with instants spread over the flight', () => {
    const plans = flights.map((f) => planFlight('drone-1', f, 0.25, 42));
    const failing = plans.filter((plan) => plan.faultAt !== undefined);
    expect(failing.length / plans.length).toBeGreaterThan(0.2);
    expect(failing.length / plans.length).toBeLessThan(0.3);
    const beforePickup = failing.filter((plan) => (plan.faultAt as number) < DEPART + LEG).length;
    expect(beforePickup / failing.length).toBeGreaterThan(0.4);
    expect(beforePickup / failing.length).toBeLessThan(0.6);
  });

  it('are the same for the same seed, whatever order the flights are seen in, and differ for another seed', () => {
    const decide = (seed: number, list: typeof flights) =>
      new Map(list.map((f) => [f.deliveryId, planFlight('drone-1', f, 0.5, seed).faultAt]));
    const once = decide(3, flights);
    expect(decide(3, flights.toReversed())).toEqual(once);
    expect(decide(4, flights)).not.toEqual(once);
  });

  it('come before the drop-off they prevent', () => {
    const plan = planFlight('drone-1', flight('d-1', DEPART, LEG), 1, 1);
    expect(dueAction(plan, (plan.faultAt as number) - 1)).toBeUndefined();
    expect(dueAction(plan, plan.faultAt as number)).toBe('fault');
    expect(dueAction(plan, DEPART + 5 * LEG)).toBe('fault');
  });

  it('are reported where the route has the drone at that instant, with the delivery', () => {
    const f = flight('d-1', DEPART, LEG);
    const atPickup = DroneFault.parse(faultOf(f, DEPART + LEG));
    expect(atPickup).toMatchObject({ at: new Date(DEPART + LEG).toISOString(), deliveryId: 'd-1' });
    expect(atPickup.location.latitude).toBeCloseTo(PICKUP.latitude, 9);
    expect(atPickup.location.longitude).toBeCloseTo(PICKUP.longitude, 9);
    // Half-way from the pickup to the drop-off: between the two, near their midpoint.
    const { location } = faultOf(f, DEPART + 1.5 * LEG);
    expect(location.latitude).toBeCloseTo((PICKUP.latitude + DROPOFF.latitude) / 2, 3);
    expect(location.longitude).toBeCloseTo((PICKUP.longitude + DROPOFF.longitude) / 2, 3);
  });
});

describe('the flights followed', () => {
  const book = () => new FlightBook((droneId, f) => planFlight(droneId, f, 0, 1));
  const dropOff = DEPART + 2 * LEG;

  it('make a drop-off due once, however many reads see it due', () => {
    const flights = book();
    const drones = [flyingDrone('drone-1', flight('d-1', DEPART, LEG))];
    expect(flights.observe(drones, dropOff - 1)).toEqual([]);
    expect(flights.observe(drones, dropOff).map((due) => due.action)).toEqual(['confirm']);
    expect(flights.observe(drones, dropOff + 1)).toEqual([]);
    flights.settle('d-1', 'done', dropOff + 2);
    expect(flights.observe(drones, dropOff + 3)).toEqual([]);
  });

  it('try a transient failure again, after a growing delay', () => {
    const flights = book();
    const drones = [flyingDrone('drone-1', flight('d-1', DEPART, LEG))];
    expect(flights.observe(drones, dropOff)).toHaveLength(1);
    flights.settle('d-1', 'retry', dropOff);
    expect(flights.observe(drones, dropOff + retryDelayMs(1) - 1)).toEqual([]);
    expect(flights.observe(drones, dropOff + retryDelayMs(1))).toHaveLength(1);
    flights.settle('d-1', 'retry', dropOff + retryDelayMs(1));
    expect(retryDelayMs(2)).toBeGreaterThan(retryDelayMs(1));
    expect(retryDelayMs(50)).toBe(30_000);
  });

  it('forget a flight once no drone flies it, and stay as large as the flying fleet', () => {
    const flights = book();
    for (let round = 0; round < 50; round += 1) {
      const drones = Array.from({ length: 10 }, (_, i) => flyingDrone(`drone-${i}`, flight(`d-${round}-${i}`, DEPART, LEG)));
      flights.observe(drones, dropOff - 1);
      expect(flights.size).toBe(10);
    }
    // Gone before its drop-off was due (cancelled): nothing is owed.
    flights.observe([], dropOff - 1);
    expect(flights.size).toBe(0);
  });

  it('confirm a drop-off whose flight ended between two reads, once, then forget it', () => {
    const flights = book();
    flights.observe([flyingDrone('drone-1', flight('d-1', DEPART, LEG))], dropOff - 1);
    // The next read comes after the drone is back at base: it no longer shows the flight.
    expect(flights.observe([], dropOff + LEG).map((due) => [due.action, due.plan.deliveryId])).toEqual([['confirm', 'd-1']]);
    expect(flights.observe([], dropOff + LEG + 1)).toEqual([]);
    flights.settle('d-1', 'done', dropOff + LEG + 2);
    flights.observe([], dropOff + LEG + 3);
    expect(flights.size).toBe(0);
  });

  it('keep a flight whose call is under way, and hand out no more than the limit at once', () => {
    const flights = book();
    const drones = Array.from({ length: 5 }, (_, i) => flyingDrone(`drone-${i}`, flight(`d-${i}`, DEPART, LEG)));
    expect(flights.observe(drones, dropOff, 2)).toHaveLength(2);
    expect(flights.observe(drones, dropOff, 10)).toHaveLength(3);
    flights.observe([], dropOff);
    expect(flights.size).toBe(5);
  });
});
