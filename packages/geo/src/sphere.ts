// Great-circle geometry on a spherical Earth: distance between two points, the point a
// fraction of the way between them, and where a drone is along a timed route.
import type { Coordinates, Waypoint } from '@dronedelivery/contracts';

const EARTH_RADIUS_MILES = 3958.8;
const toRadians = (degrees: number) => (degrees * Math.PI) / 180;
const toDegrees = (radians: number) => (radians * 180) / Math.PI;

/** Central angle between two points, in radians (haversine formula). */
function centralAngle(a: Coordinates, b: Coordinates): number {
  const [lat1, lon1, lat2, lon2] = [toRadians(a.latitude), toRadians(a.longitude), toRadians(b.latitude), toRadians(b.longitude)];
  return 2 * Math.asin(Math.sqrt(Math.sin((lat2 - lat1) / 2) ** 2 + Math.cos(lat1) * Math.cos(lat2) * Math.sin((lon2 - lon1) / 2) ** 2));
}

/** Great-circle distance in statute miles. */
export function distanceMiles(a: Coordinates, b: Coordinates): number {
  return centralAngle(a, b) * EARTH_RADIUS_MILES;
}

/** The point a fraction `f` (0..1) of the way from `a` to `b` along the great circle. */
export function greatCirclePoint(a: Coordinates, b: Coordinates, f: number): Coordinates {
  const angle = centralAngle(a, b);
  if (angle === 0) return { latitude: a.latitude, longitude: a.longitude };
  const [lat1, lon1, lat2, lon2] = [toRadians(a.latitude), toRadians(a.longitude), toRadians(b.latitude), toRadians(b.longitude)];
  // Spherical linear interpolation between the two points as unit vectors.
  const weightA = Math.sin((1 - f) * angle) / Math.sin(angle);
  const weightB = Math.sin(f * angle) / Math.sin(angle);
  const x = weightA * Math.cos(lat1) * Math.cos(lon1) + weightB * Math.cos(lat2) * Math.cos(lon2);
  const y = weightA * Math.cos(lat1) * Math.sin(lon1) + weightB * Math.cos(lat2) * Math.sin(lon2);
  const z = weightA * Math.sin(lat1) + weightB * Math.sin(lat2);
  return { latitude: toDegrees(Math.atan2(z, Math.sqrt(x * x + y * y))), longitude: toDegrees(Math.atan2(y, x)) };
}

/** Position on `route` at `instant` (epoch ms): the first waypoint before departure, the last after arrival. */
export function positionAt(route: readonly Waypoint[], instant: number): Coordinates {
  const first = route[0];
  const last = route.at(-1);
  if (!first || !last) throw new Error('a route has at least two waypoints');
  if (instant <= Date.parse(first.at)) return { latitude: first.latitude, longitude: first.longitude };
  for (let i = 1; i < route.length; i += 1) {
    const from = route[i - 1] as Waypoint;
    const to = route[i] as Waypoint;
    const [start, end] = [Date.parse(from.at), Date.parse(to.at)];
    if (instant < end) return greatCirclePoint(from, to, end === start ? 1 : (instant - start) / (end - start));
  }
  return { latitude: last.latitude, longitude: last.longitude };
}
