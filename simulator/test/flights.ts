// Flights and fleet views as the gateway answers them, built from the contract, for the tests
// and the benchmark: a drone leaves its base, picks up, drops off, and is back later.
import { type FleetDrone, FleetView, type Flight } from '@dronedelivery/contracts';

export const BASE = { latitude: 47.6062, longitude: -122.3321 };
export const PICKUP = { latitude: 47.62, longitude: -122.35 };
export const DROPOFF = { latitude: 47.65, longitude: -122.3 };

const iso = (ms: number) => new Date(ms).toISOString();

/** A flight that departs at `departAt`, picks up `legMs` later and drops off `legMs` after that. */
export function flight(deliveryId: string, departAt: number, legMs = 60_000): Flight {
  return {
    deliveryId,
    ownerId: 'owner-1',
    droneId: 'drone-1',
    pickupEta: iso(departAt + legMs),
    deliveryEta: iso(departAt + 2 * legMs),
    distanceMiles: 4.2,
    route: [
      { ...BASE, at: iso(departAt) },
      { ...PICKUP, at: iso(departAt + legMs) },
      { ...DROPOFF, at: iso(departAt + 2 * legMs) },
    ],
    returnAt: iso(departAt + 3 * legMs),
  };
}

export function flyingDrone(id: string, onFlight: Flight): FleetDrone {
  return {
    id,
    base: BASE,
    cruiseSpeedMph: 45,
    payload: { maxSize: 'Medium', maxWeightKg: 10 },
    state: 'flying',
    flight: { ...onFlight, droneId: id },
    fault: null,
  };
}

/** `GET /api/drones?state=flying` with these drones, checked against the contract. */
export function fleetView(drones: FleetDrone[], at: number): FleetView {
  return FleetView.parse({
    at: iso(at),
    summary: { total: drones.length, idle: 0, flying: drones.length, faulted: 0, utilization: drones.length ? 1 : 0 },
    drones,
  });
}
