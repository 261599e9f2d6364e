// The sample request of the original application's documentation (what its clients send, and
// so what every test, tool and document of this one starts from), and a sample scheduled delivery.
import type { DeliveryCreate } from './deliveries.ts';

/** The sample request, as an object. */
export const ORIGINAL_SAMPLE = {
  confirmationRequired: 'None',
  deadline: '',
  dropOffLocation: 'drop off',
  expedited: true,
  ownerId: 'myowner',
  packageInfo: { packageId: 'mypackage', size: 'Small', tag: 'mytag', weight: 10 },
  pickupLocation: 'my pickup',
  pickupTime: '2019-05-08T20:00:00.000Z',
};

/** The same, byte for byte as the documentation writes it (its key order is the object's). */
export const ORIGINAL_SAMPLE_JSON = JSON.stringify(ORIGINAL_SAMPLE);

/** The geometry of the sample delivery: the drone's base, the pickup and the dropoff. */
export const SAMPLE_GEOMETRY = {
  base: { latitude: 47.6, longitude: -122.33 },
  pickup: { latitude: 47.62, longitude: -122.35 },
  dropoff: { latitude: 47.65, longitude: -122.3 },
} as const;

/** Its timetable: departure 10:00, pickup 10:10, dropoff 10:25 (UTC), on 2026-11-20. */
export const SAMPLE_TIMES = {
  departure: '2026-11-20T10:00:00.000Z',
  pickupEta: '2026-11-20T10:10:00.000Z',
  deliveryEta: '2026-11-20T10:25:00.000Z',
} as const;

/** A delivery with its drone assignment, as the workflow schedules it (PUT to the delivery service). */
export function sampleDelivery(overrides: Partial<DeliveryCreate> = {}): DeliveryCreate {
  const { base, pickup, dropoff } = SAMPLE_GEOMETRY;
  const { departure, pickupEta, deliveryEta } = SAMPLE_TIMES;
  return {
    ownerId: 'owner-a',
    pickup: 'mypickup',
    dropoff: { ...dropoff },
    pickupTime: pickupEta,
    deadline: null,
    expedited: true,
    confirmationRequired: 'None',
    packageId: 'mypackage',
    assignment: {
      droneId: 'drone-7',
      pickupEta,
      deliveryEta,
      distanceMiles: 4.1,
      route: [
        { ...base, at: departure },
        { ...pickup, at: pickupEta },
        { ...dropoff, at: deliveryEta },
      ],
    },
    ...overrides,
  };
}
