// Where a drone is now: along its timed route while it flies one, where it failed when it is
// faulted, at its base otherwise.
import type { Coordinates, FleetDrone, Waypoint } from '@dronedelivery/contracts';
import { positionAt } from '@dronedelivery/geo/sphere';

export function positionOnRoute(route: readonly Waypoint[] | undefined, now: number): Coordinates | undefined {
  return route && route.length >= 2 ? positionAt(route, now) : undefined;
}

export function fleetDronePosition(drone: FleetDrone, now: number): Coordinates {
  if (drone.state === 'faulted' && drone.fault) return drone.fault.location;
  if (drone.state === 'flying' && drone.flight) {
    // Past its planned return it is home: the route ends at the dropoff, not at the base.
    if (now >= Date.parse(drone.flight.returnAt)) return drone.base;
    const route = drone.flight.route;
    const last = route.at(-1);
    if (last && now > Date.parse(last.at)) {
      const back = Date.parse(drone.flight.returnAt);
      return positionAt([last, { ...drone.base, at: new Date(back).toISOString() }], now);
    }
    return positionAt(route, now);
  }
  return drone.base;
}
