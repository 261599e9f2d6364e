// Places an address label (the original samples used "mypickup") at a coordinate inside
// the service area: deterministically, so the same label is always the same place.
import { createHash } from 'node:crypto';
import type { Coordinates, Location } from '@dronedelivery/contracts';

export interface ServiceArea {
  south: number;
  west: number;
  north: number;
  east: number;
}

/** Greater Seattle, where Fabrikam's drones fly. */
export const SEATTLE: ServiceArea = { south: 47.45, west: -122.45, north: 47.75, east: -122.2 };

/** Parses "south,west,north,east" in degrees. */
export function parseServiceArea(text: string): ServiceArea {
  const [south, west, north, east] = text.split(',').map((part) => Number(part.trim()));
  const area = { south, west, north, east } as ServiceArea;
  const valid =
    [south, west, north, east].every((n) => n !== undefined && Number.isFinite(n)) && area.south < area.north && area.west < area.east;
  if (!valid) throw new Error(`"${text}" is not "south,west,north,east" with south < north and west < east`);
  return area;
}

/** The coordinates of a location: given ones as they are, a label hashed into the area. */
export function locate(location: Location, area: ServiceArea): Coordinates {
  if (typeof location !== 'string') return { latitude: location.latitude, longitude: location.longitude };
  const digest = createHash('sha256').update(location.trim().toLowerCase()).digest();
  const fraction = (offset: number) => digest.readUInt32BE(offset) / 0xffffffff;
  return {
    latitude: area.south + fraction(0) * (area.north - area.south),
    longitude: area.west + fraction(4) * (area.east - area.west),
  };
}
