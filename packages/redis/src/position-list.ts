// A newest-first list kept in a Redis sorted set (score: epoch ms, member: id), read a page
// at a time after a cursor position. The Redis counterpart of the kit's PositionLists.
import type { ListPosition, ListRange } from '@dronedelivery/service-kit';
import type { RedisClient } from './index.ts';

export async function readPositions(redis: RedisClient, key: string, range: ListRange): Promise<ListPosition[]> {
  const upper = Math.min(range.after?.at ?? Number.POSITIVE_INFINITY, range.to === undefined ? Number.POSITIVE_INFINITY : range.to - 1);
  const max = upper === Number.POSITIVE_INFINITY ? '+inf' : String(upper);
  const min = range.from === undefined ? '-inf' : String(range.from);
  const found: ListPosition[] = [];
  // Several entries can share a millisecond: skip those at the cursor's time up to its id.
  for (let offset = 0; found.length < range.count; ) {
    const batch = range.count - found.length;
    const flat = await redis.zrevrangebyscore(key, max, min, 'WITHSCORES', 'LIMIT', offset, batch);
    for (let i = 0; i < flat.length; i += 2) {
      const position = { id: flat[i] as string, at: Number(flat[i + 1]) };
      if (range.after && position.at === range.after.at && position.id >= range.after.id) continue;
      found.push(position);
    }
    offset += flat.length / 2;
    if (flat.length / 2 < batch) break;
  }
  return found;
}
