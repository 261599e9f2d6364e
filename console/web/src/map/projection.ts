// Web Mercator, fitted to a viewport: the service area fills the drawing, and map tiles (which
// use the same projection) line up with what is drawn over them.
import type { Coordinates } from '@dronedelivery/contracts';

export interface Area {
  south: number;
  west: number;
  north: number;
  east: number;
}

export interface Point {
  x: number;
  y: number;
}

/** A coordinate on the Mercator world square, 0..1 from west to east and from north to south. */
export function toWorld({ latitude, longitude }: Pick<Coordinates, 'latitude' | 'longitude'>): Point {
  const sin = Math.sin((Math.max(-85.05, Math.min(85.05, latitude)) * Math.PI) / 180);
  return { x: (longitude + 180) / 360, y: 0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI) };
}

export interface Projection {
  width: number;
  height: number;
  /** Pixels per world unit. */
  scale: number;
  /** The world point at the viewport's top left corner. */
  origin: Point;
  project(coordinates: Pick<Coordinates, 'latitude' | 'longitude'>): Point;
}

/** The projection that shows `area` whole and centred in a `width` × `height` viewport, with `margin` pixels around it. */
export function fitArea(area: Area, width: number, height: number, margin = 16): Projection {
  const northWest = toWorld({ latitude: area.north, longitude: area.west });
  const southEast = toWorld({ latitude: area.south, longitude: area.east });
  const spanX = southEast.x - northWest.x;
  const spanY = southEast.y - northWest.y;
  const scale = Math.min((width - 2 * margin) / spanX, (height - 2 * margin) / spanY);
  const origin = {
    x: northWest.x - (width / scale - spanX) / 2,
    y: northWest.y - (height / scale - spanY) / 2,
  };
  return {
    width,
    height,
    scale,
    origin,
    project: (coordinates) => {
      const world = toWorld(coordinates);
      return { x: (world.x - origin.x) * scale, y: (world.y - origin.y) * scale };
    },
  };
}
