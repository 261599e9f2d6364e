// Data that must change atomically with one record and also be listed across all records
// (an owner's deliveries, everyone's newest first) is kept in a fixed number of shards. A
// record and its shard's indexes share one hash tag, so one script updates them together,
// on one Redis or on a Redis Cluster (where a script may only touch one hash slot); a list
// is read from every shard and merged. The shard count is part of the key layout: changing
// it re-homes every record.
import { isBefore, type ListPosition, type ListRange } from '@dronedelivery/service-kit';
import type { RedisClient } from './index.ts';
import { readPositions } from './position-list.ts';

/** Enough shards to spread over a few cluster nodes; few enough that a list reads them all in one round. */
export const SHARD_COUNT = 16;

/** The hash tag of the shard that holds a record, from its id (FNV-1a, so every process agrees). */
export function shardOf(id: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  return tag((hash >>> 0) % SHARD_COUNT);
}

/** Every shard's hash tag. */
export function everyShard(): string[] {
  return Array.from({ length: SHARD_COUNT }, (_, shard) => tag(shard));
}

const tag = (shard: number) => `{s${shard}}`;

/** Newest first, in the order one sorted set read backwards gives (ties by id, descending). */
export function mergeNewestFirst(lists: ListPosition[][], count: number): ListPosition[] {
  return lists
    .flat()
    .sort((a, b) => (isBefore(a, b) ? 1 : isBefore(b, a) ? -1 : 0))
    .slice(0, count);
}

/** A page of a newest-first list kept as one sorted set per shard. */
export async function readPositionsAcross(redis: RedisClient, keys: string[], range: ListRange): Promise<ListPosition[]> {
  const pages = await Promise.all(keys.map((key) => readPositions(redis, key, range)));
  return mergeNewestFirst(pages, range.count);
}
