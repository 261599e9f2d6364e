// Simulated customers: never more unfinished deliveries than allowed, never more in all, at
// the rate asked, with requests the API accepts, inside the service area, from the seed.
import { DeliveryRequest } from '@dronedelivery/contracts';
import { SEATTLE } from '@dronedelivery/geo';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../src/random.ts';
import { accrue, allowance, deliveryRequest, demoOwners, requestsDue } from '../src/traffic.ts';

const limits = { perMinute: 60, maxOutstanding: 5, maxTotal: 12 };

describe('traffic bounds', () => {
  it('never exceed the unfinished limit nor the total', () => {
    expect(allowance(limits, { sent: 0, outstanding: 0 })).toBe(5);
    expect(allowance(limits, { sent: 3, outstanding: 5 })).toBe(0);
    expect(allowance(limits, { sent: 10, outstanding: 0 })).toBe(2);
    expect(allowance(limits, { sent: 12, outstanding: 0 })).toBe(0);
    expect(allowance(limits, { sent: 20, outstanding: 9 })).toBe(0);
  });

  it('send at the rate asked: one a second at 60 a minute', () => {
    let credit = 0;
    let sent = 0;
    for (let tick = 0; tick < 10; tick += 1) {
      credit = accrue(credit, 60, 250);
      const due = requestsDue(credit, { ...limits, maxTotal: 1_000, maxOutstanding: 1_000 }, { sent, outstanding: 0 });
      credit = due.credit;
      sent += due.send;
    }
    expect(sent).toBe(2);
  });

  it('do not save up what the bounds held back', () => {
    let credit = 0;
    for (let tick = 0; tick < 100; tick += 1) credit = accrue(credit, 60, 1_000);
    expect(credit).toBe(1);
    // A fast rate earns several a tick, and keeps no more than that.
    expect(accrue(5, 600, 1_000)).toBe(10);
  });

  it('stop for good after the total, whatever the credit', () => {
    let credit = 0;
    let sent = 0;
    for (let tick = 0; tick < 1_000; tick += 1) {
      credit = accrue(credit, 6_000, 1_000);
      const due = requestsDue(credit, limits, { sent, outstanding: 0 });
      credit = due.credit;
      sent += due.send;
    }
    expect(sent).toBe(12);
  });
});

describe('delivery requests', () => {
  const context = { owners: demoOwners(3), area: SEATTLE, runId: 'run1' };
  const now = Date.parse('2030-01-01T10:00:00Z');

  it('are requests the API accepts, for the demo owners, inside the service area, picked up now', () => {
    const random = seededRandom(9);
    for (let n = 1; n <= 200; n += 1) {
      const request = DeliveryRequest.parse(deliveryRequest(random, context, n, Date.now()));
      expect(context.owners).toContain(request.ownerId);
      for (const place of [request.pickupLocation, request.dropOffLocation]) {
        if (typeof place === 'string') throw new Error('a place is coordinates');
        expect(place.latitude).toBeGreaterThanOrEqual(SEATTLE.south);
        expect(place.latitude).toBeLessThanOrEqual(SEATTLE.north);
        expect(place.longitude).toBeGreaterThanOrEqual(SEATTLE.west);
        expect(place.longitude).toBeLessThanOrEqual(SEATTLE.east);
      }
      expect(request.packageInfo.packageId).toBe(`sim-run1-${n}`);
    }
    expect(deliveryRequest(seededRandom(1), context, 1, now).pickupTime).toBe(new Date(now).toISOString());
  });

  it('carry packages a drone of their size can lift', () => {
    const random = seededRandom(5);
    const most = { Small: 2.5, Medium: 10, Large: 25 };
    const sizes = new Set<string>();
    for (let n = 1; n <= 300; n += 1) {
      const { packageInfo } = deliveryRequest(random, context, n, now);
      sizes.add(packageInfo.size);
      expect(packageInfo.weight).toBeGreaterThan(0);
      expect(packageInfo.weight).toBeLessThanOrEqual(most[packageInfo.size]);
    }
    expect(sizes).toEqual(new Set(['Small', 'Medium', 'Large']));
  });

  it('are the same for the same seed', () => {
    const run = (seed: number) => Array.from({ length: 20 }, (_, n) => deliveryRequest(seededRandom(seed + n), context, n, now));
    expect(run(1)).toEqual(run(1));
    expect(run(1)).not.toEqual(run(2));
  });
});
