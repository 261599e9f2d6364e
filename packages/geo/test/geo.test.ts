import { describe, expect, it } from 'vitest';
import { distanceMiles, greatCirclePoint, locate, parseServiceArea, positionAt, SEATTLE } from '../src/index.ts';

const seattle = { latitude: 47.6062, longitude: -122.3321 };
const portland = { latitude: 45.5152, longitude: -122.6784 };

describe('distanceMiles', () => {
  it('matches the published great-circle distance Seattle–Portland (~145 miles)', () => {
    expect(distanceMiles(seattle, portland)).toBeCloseTo(145.1, 0);
  });

  it('is zero for a point and symmetric', () => {
    expect(distanceMiles(seattle, seattle)).toBe(0);
    expect(distanceMiles(seattle, portland)).toBeCloseTo(distanceMiles(portland, seattle), 9);
  });

  it('is a quarter of the circumference from the equator to the pole', () => {
    expect(distanceMiles({ latitude: 0, longitude: 0 }, { latitude: 90, longitude: 0 })).toBeCloseTo((Math.PI / 2) * 3958.8, 6);
  });
});

describe('greatCirclePoint and positionAt', () => {
  it('halfway along a meridian is the mean latitude', () => {
    const mid = greatCirclePoint({ latitude: 10, longitude: 20 }, { latitude: 30, longitude: 20 }, 0.5);
    expect(mid.latitude).toBeCloseTo(20, 9);
    expect(mid.longitude).toBeCloseTo(20, 9);
  });

  it('splits the distance in the ratio asked for', () => {
    const point = greatCirclePoint(seattle, portland, 0.25);
    expect(distanceMiles(seattle, point)).toBeCloseTo(distanceMiles(seattle, portland) * 0.25, 6);
  });

  it('follows a timed route: waiting at the start, moving along each leg, resting at the end', () => {
    const route = [
      { ...seattle, at: '2026-01-01T10:00:00.000Z' },
      { ...portland, at: '2026-01-01T12:00:00.000Z' },
    ];
    expect(positionAt(route, Date.parse('2026-01-01T09:00:00.000Z'))).toEqual({ latitude: seattle.latitude, longitude: seattle.longitude });
    expect(distanceMiles(seattle, positionAt(route, Date.parse('2026-01-01T11:00:00.000Z')))).toBeCloseTo(
      distanceMiles(seattle, portland) / 2,
      6,
    );
    expect(positionAt(route, Date.parse('2026-01-01T13:00:00.000Z'))).toEqual({
      latitude: portland.latitude,
      longitude: portland.longitude,
    });
  });
});

describe('locate', () => {
  it('places a label inside the service area, the same place every time, ignoring case and spaces', () => {
    const a = locate('mypickup', SEATTLE);
    expect(a.latitude).toBeGreaterThanOrEqual(SEATTLE.south);
    expect(a.latitude).toBeLessThanOrEqual(SEATTLE.north);
    expect(a.longitude).toBeGreaterThanOrEqual(SEATTLE.west);
    expect(a.longitude).toBeLessThanOrEqual(SEATTLE.east);
    expect(locate(' MyPickup ', SEATTLE)).toEqual(a);
    expect(locate('mydropoff', SEATTLE)).not.toEqual(a);
  });

  it('keeps coordinates as given', () => {
    expect(locate({ latitude: 1, longitude: 2, altitude: 3 }, SEATTLE)).toEqual({ latitude: 1, longitude: 2 });
  });

  it('parses a service area and rejects a malformed one', () => {
    expect(parseServiceArea('47.4, -122.5, 47.8, -122.1')).toEqual({ south: 47.4, west: -122.5, north: 47.8, east: -122.1 });
    expect(() => parseServiceArea('1,2,3')).toThrow();
    expect(() => parseServiceArea('50,0,40,10')).toThrow();
  });
});
