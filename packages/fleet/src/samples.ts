// What the tests and tools send: the original application's sample request, a scheduled
// delivery as the workflow records it, and a fleet of drones big enough not to be what a
// measurement measures.
import type { DeliveryCreate } from '@dronedelivery/contracts';

export { ORIGINAL_SAMPLE, ORIGINAL_SAMPLE_JSON } from '@dronedelivery/contracts';

/** A delivery with its drone assignment, as the workflow schedules it (PUT to the delivery service). */
export function sampleDelivery(overrides: Partial<DeliveryCreate> = {}): DeliveryCreate {
  const [departure, pickupEta, deliveryEta] = ['2026-11-20T10:00:00.000Z', '2026-11-20T10:10:00.000Z', '2026-11-20T10:25:00.000Z'];
  const dropoff = { latitude: 47.65, longitude: -122.3 };
  return {
    ownerId: 'owner-a',
    pickup: 'mypickup',
    dropoff,
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
        { latitude: 47.6, longitude: -122.33, at: departure },
        { latitude: 47.62, longitude: -122.35, at: pickupEta },
        { ...dropoff, at: deliveryEta },
      ],
    },
    ...overrides,
  };
}

/** `count` drones (`<prefix>-0`...) on a grid over the service area, 40 mph, medium payloads (FLEET_JSON). */
export function droneFleet(prefix: string, count = 200) {
  return Array.from({ length: count }, (_, i) => ({
    id: `${prefix}-${i}`,
    base: { latitude: 47.5 + (i % 20) * 0.012, longitude: -122.42 + Math.floor(i / 20) * 0.02 },
    cruiseSpeedMph: 40,
    payload: { maxSize: 'Medium', maxWeightKg: 10 },
  }));
}
