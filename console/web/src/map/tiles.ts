// Which slippy-map tiles cover a fitted viewport, and where each one goes: the zoom whose
// 256-pixel tiles are closest to their drawn size, so they are neither blurred nor tiny.

import type { Projection } from './projection.ts';

export interface Tile {
  href: string;
  x: number;
  y: number;
  size: number;
}

const TILE_PIXELS = 256;
const MAX_ZOOM = 19;

export function tilesFor(projection: Projection, template: string): Tile[] {
  const zoom = Math.max(0, Math.min(MAX_ZOOM, Math.round(Math.log2(projection.scale / TILE_PIXELS))));
  const count = 2 ** zoom;
  const size = projection.scale / count;
  const first = { x: Math.floor(projection.origin.x * count), y: Math.floor(projection.origin.y * count) };
  const last = {
    x: Math.floor((projection.origin.x + projection.width / projection.scale) * count),
    y: Math.floor((projection.origin.y + projection.height / projection.scale) * count),
  };
  const tiles: Tile[] = [];
  for (let ty = Math.max(0, first.y); ty <= Math.min(count - 1, last.y); ty += 1)
    for (let tx = Math.max(0, first.x); tx <= Math.min(count - 1, last.x); tx += 1)
      tiles.push({
        href: template.replace('{z}', String(zoom)).replace('{x}', String(tx)).replace('{y}', String(ty)),
        x: (tx / count - projection.origin.x) * projection.scale,
        y: (ty / count - projection.origin.y) * projection.scale,
        size,
      });
  return tiles;
}
