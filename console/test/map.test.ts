// The map's geometry: the service area fitted to the drawing, tiles that line up with it, and
// drones placed along their timed routes.
import type { FleetDrone, Waypoint } from '@dronedelivery/contracts';
import { describe, expect, it } from 'vitest';
import { fleetDronePosition, positionOnRoute } from '../web/src/map/drone-position.ts';
import { fitArea, toWorld } from '../web/src/map/projection.ts';
import { tilesFor } from '../web/src/map/tiles.ts';

const SEATTLE = { south: 47.45, west: -122.45, north: 47.75, east: -122.2 };

describe('fitArea', () => {
  const projection = fitArea(SEATTLE, 640, 480, 16);

  it('puts the whole area inside the margins, centred', () => {
    const northWest = projection.project({ latitude: SEATTLE.north, longitude: SEATTLE.west });
    const southEast = projection.project({ latitude: SEATTLE.south, longitude: SEATTLE.east });
    expect(Math.min(northWest.x, northWest.y)).toBeGreaterThanOrEqual(16 - 1e-9);
    expect(southEast.x).toBeLessThanOrEqual(640 - 16 + 1e-9);
    expect(southEast.y).toBeLessThanOrEqual(480 - 16 + 1e-9);
    // One dimension touches the margins: the area is as large as it can be.
    expect(Math.min(northWest.y, northWest.x)).toBeCloseTo(16, 6);
    expect((northWest.x + southEast.x) / 2).toBeCloseTo(320, 6);
    expect((northWest.y + southEast.y) / 2).toBeCloseTo(240, 6);
  });

  it('draws north up and east right', () => {
    const downtown = projection.project({ latitude: 47.6062, longitude: -122.3321 });
    const ballard = projection.project({ latitude: 47.6687, longitude: -122.3847 });
    expect(ballard.y).toBeLessThan(downtown.y);
    expect(ballard.x).toBeLessThan(downtown.x);
  });

  it('is Web Mercator: the equator and the prime meridian at the middle of the world', () => {
    expect(toWorld({ latitude: 0, longitude: 0 })).toEqual({ x: 0.5, y: 0.5 });
    expect(toWorld({ latitude: 85.05, longitude: 180 }).y).toBeCloseTo(0, 3);
  });
});

describe('tilesFor', () => {
  it('covers the viewport with tiles at a zoom whose tiles are drawn near 256 pixels, aligned with the projection', () => {
    const projection = fitArea(SEATTLE, 640, 480);
    const tiles = tilesFor(projection, 'https://tile.example/{z}/{x}/{y}.png');
    const zoom = Number(/example\/(\d+)\//.exec(tiles[0]?.href ?? '')?.[1]);
    expect(zoom).toBe(10);
    expect(tiles[0]?.size).toBeGreaterThan(181);
    expect(tiles[0]?.size).toBeLessThan(363);
    // The tiles reach every corner of the viewport.
    expect(Math.min(...tiles.map((t) => t.x))).toBeLessThanOrEqual(0);
    expect(Math.min(...tiles.map((t) => t.y))).toBeLessThanOrEqual(0);
    expect(Math.max(...tiles.map((t) => t.x + t.size))).toBeGreaterThanOrEqual(640);
    expect(Math.max(...tiles.map((t) => t.y + t.size))).toBeGreaterThanOrEqual(480);
    // Downtown Seattle is drawn where its tile puts it (tile 164/357 at zoom 10).
    const tile = tiles.find((t) => t.href.endsWith('/10/164/357.png'));
    const downtown = projection.project({ latitude: 47.6062, longitude: -122.3321 });
    expect(downtown.x).toBeGreaterThanOrEqual(tile?.x ?? Number.NaN);
    expect(downtown.x).toBeLessThan((tile?.x ?? Number.NaN) + (tile?.size ?? 0));
    expect(downtown.y).toBeGreaterThanOrEqual(tile?.y ?? Number.NaN);
    expect(downtown.y).toBeLessThan((tile?.y ?? Number.NaN) + (tile?.size ?? 0));
  });
});

const at = (minutes: number) => new Date(Date.UTC(2030, 0, 1, 12, minutes)).toISOString();
const route: Waypoint[] = [
  { latitude: 47.6, longitude: -122.3, at: at(0) },
  { latitude: 47.7, longitude: -122.3, at: at(10) },
  { latitude: 47.7, longitude: -122.4, at: at(20) },
];

describe('positions along a route', () => {
  it('is at the base before departure, between waypoints in flight, at the dropoff after', () => {
    expect(positionOnRoute(route, Date.parse(at(-5)))).toEqual({ latitude: 47.6, longitude: -122.3 });
    expect(positionOnRoute(route, Date.parse(at(5)))?.latitude).toBeCloseTo(47.65, 3);
    expect(positionOnRoute(route, Date.parse(at(25)))).toEqual({ latitude: 47.7, longitude: -122.4 });
    expect(positionOnRoute(undefined, Date.parse(at(5)))).toBeUndefined();
  });

  const drone: FleetDrone = {
    id: 'drone-1',
    base: { latitude: 47.6, longitude: -122.3 },
    cruiseSpeedMph: 60,
    payload: { maxSize: 'Small', maxWeightKg: 2.5 },
    state: 'flying',
    flight: {
      deliveryId: 'd1',
      ownerId: 'o',
      droneId: 'drone-1',
      pickupEta: at(10),
      deliveryEta: at(20),
      distanceMiles: 10,
      route,
      returnAt: at(40),
    },
    fault: null,
  };

  it('flies a drone back to its base after the dropoff, and shows a faulted one where it failed', () => {
    expect(fleetDronePosition(drone, Date.parse(at(5))).latitude).toBeCloseTo(47.65, 3);
    const home = fleetDronePosition(drone, Date.parse(at(30)));
    expect(home.latitude).toBeCloseTo(47.65, 2);
    expect(home.longitude).toBeCloseTo(-122.35, 2);
    expect(fleetDronePosition(drone, Date.parse(at(45)))).toEqual(drone.base);
    const failedAt = { latitude: 47.61, longitude: -122.31 };
    expect(
      fleetDronePosition(
        { ...drone, state: 'faulted', flight: null, fault: { at: at(3), location: failedAt, deliveryId: 'd1', reason: 'x' } },
        0,
      ),
    ).toEqual(failedAt);
  });
});
