// A delivery on a known geometry and timetable, shared by the delivery service's tests.
import type { DeliveryCreate } from '@dronedelivery/contracts';

export const base = { latitude: 47.6, longitude: -122.33 };
export const pickup = { latitude: 47.62, longitude: -122.35 };
export const dropoff = { latitude: 47.65, longitude: -122.3 };

/** Departure 10:00, pickup 10:10, dropoff 10:25 (UTC), on 2026-11-20. */
export const times = {
  scheduled: new Date('2026-11-20T09:00:00.000Z'),
  departure: '2026-11-20T10:00:00.000Z',
  pickupEta: '2026-11-20T10:10:00.000Z',
  deliveryEta: '2026-11-20T10:25:00.000Z',
};

export function deliveryBody(overrides: Partial<DeliveryCreate> = {}): DeliveryCreate {
  return {
    ownerId: 'owner-a',
    pickup: 'mypickup',
    dropoff: { ...dropoff },
    pickupTime: times.pickupEta,
    deadline: null,
    expedited: true,
    confirmationRequired: 'None',
    packageId: 'mypackage',
    assignment: {
      droneId: 'drone-7',
      pickupEta: times.pickupEta,
      deliveryEta: times.deliveryEta,
      distanceMiles: 4.1,
      route: [
        { ...base, at: times.departure },
        { ...pickup, at: times.pickupEta },
        { ...dropoff, at: times.deliveryEta },
      ],
    },
    ...overrides,
  };
}

export const at = (iso: string) => new Date(iso);
