// What the tests and tools send: the original application's sample request, a scheduled
// delivery as the workflow records it, and a fleet of drones big enough not to be what a
// measurement measures.
export { ORIGINAL_SAMPLE, ORIGINAL_SAMPLE_JSON, sampleDelivery } from '@dronedelivery/contracts';

/** `count` drones (`<prefix>-0`...) on a grid over the service area, 40 mph, medium payloads (FLEET_JSON). */
export function droneFleet(prefix: string, count = 200) {
  return Array.from({ length: count }, (_, i) => ({
    id: `${prefix}-${i}`,
    base: { latitude: 47.5 + (i % 20) * 0.012, longitude: -122.42 + Math.floor(i / 20) * 0.02 },
    cruiseSpeedMph: 40,
    payload: { maxSize: 'Medium', maxWeightKg: 10 },
  }));
}
