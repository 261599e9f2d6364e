// The map: the service area in Web Mercator, optional tiles under it, drone bases, a route
// with its pickup and dropoff, and drones as dots. Drawn in SVG, offline; the caller gives
// the text alternative (a list of what is shown) next to it.
import type { Coordinates } from '@dronedelivery/contracts';
import { useMemo } from 'preact/hooks';
import { type Area, fitArea } from './projection.ts';
import { tilesFor } from './tiles.ts';

export interface MapDrone {
  id: string;
  position: Pick<Coordinates, 'latitude' | 'longitude'>;
  state: 'idle' | 'flying' | 'faulted';
}

export interface MapProps {
  title: string;
  area: Area;
  tileUrl?: string | undefined;
  bases?: Pick<Coordinates, 'latitude' | 'longitude'>[];
  route?: Pick<Coordinates, 'latitude' | 'longitude'>[] | undefined;
  pickup?: Pick<Coordinates, 'latitude' | 'longitude'> | undefined;
  dropoff?: Pick<Coordinates, 'latitude' | 'longitude'> | undefined;
  drones: MapDrone[];
}

const WIDTH = 640;
const HEIGHT = 480;

export function MapView(props: MapProps) {
  const projection = useMemo(() => fitArea(props.area, WIDTH, HEIGHT), [props.area]);
  const tiles = useMemo(() => (props.tileUrl ? tilesFor(projection, props.tileUrl) : []), [projection, props.tileUrl]);
  const p = projection.project;
  const corner = p({ latitude: props.area.north, longitude: props.area.west });
  const far = p({ latitude: props.area.south, longitude: props.area.east });
  const uniqueBases = [...new Map((props.bases ?? []).map((base) => [`${base.latitude},${base.longitude}`, base])).values()];
  return (
    <svg class="map" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={props.title}>
      {tiles.map((tile) => (
        <image key={tile.href} href={tile.href} x={tile.x} y={tile.y} width={tile.size} height={tile.size} />
      ))}
      <rect class="map-area" x={corner.x} y={corner.y} width={far.x - corner.x} height={far.y - corner.y} />
      {uniqueBases.map((base) => {
        const at = p(base);
        return <rect key={`${base.latitude},${base.longitude}`} class="map-base" x={at.x - 6} y={at.y - 6} width={12} height={12} />;
      })}
      {props.route && props.route.length > 1 && (
        <polyline class="map-route" points={props.route.map((point) => `${p(point).x},${p(point).y}`).join(' ')} />
      )}
      {props.pickup && <Marker at={p(props.pickup)} label="P" kind="pickup" />}
      {props.dropoff && <Marker at={p(props.dropoff)} label="D" kind="dropoff" />}
      {props.drones.map((drone) => {
        const at = p(drone.position);
        return (
          <circle key={drone.id} class={`map-drone drone-${drone.state}`} cx={at.x} cy={at.y} r={7}>
            <title>{`${drone.id}: ${drone.state}`}</title>
          </circle>
        );
      })}
    </svg>
  );
}

function Marker({ at, label, kind }: { at: { x: number; y: number }; label: string; kind: string }) {
  return (
    <g class={`map-marker map-${kind}`}>
      <circle cx={at.x} cy={at.y} r={10} />
      <text x={at.x} y={at.y + 4} text-anchor="middle">
        {label}
      </text>
    </g>
  );
}

/** "47.6062° N, 122.3321° W": a position for the text alternative. */
export function formatPosition({ latitude, longitude }: Pick<Coordinates, 'latitude' | 'longitude'>): string {
  return `${Math.abs(latitude).toFixed(4)}° ${latitude >= 0 ? 'N' : 'S'}, ${Math.abs(longitude).toFixed(4)}° ${longitude >= 0 ? 'E' : 'W'}`;
}
