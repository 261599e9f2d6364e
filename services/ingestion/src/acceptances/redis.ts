// Acceptances in Redis (the queue's, one server or a cluster): one key per delivery id, written
// with SET NX and a TTL, and two newest-first lists (sorted sets by acceptance time): everyone's
// and the owner's, kept per shard so that a record and its lists share one hash slot and one
// script writes them together; a list is read from every shard. Ids never start with '~', so
// the list keys cannot meet a delivery id. Entries older than the TTL are trimmed whenever a new
// acceptance is listed; an entry whose record expired first is skipped and dropped when read.
import type { DeliveryAcceptance } from '@dronedelivery/contracts';
import {
  createRedisClient,
  everyShard,
  type RedisClient,
  readPositionsAcross,
  shardOf,
  translateRedisError,
  waitUntilConnected,
} from '@dronedelivery/redis';
import { type AcceptanceRange, type AcceptanceStore, positionOf } from './store.ts';

const recordKey = (id: string) => `${shardOf(id)}:${id}`;
const listAll = (shard: string) => `${shard}:~list`;
const listOf = (shard: string, ownerId: string) => `${shard}:~owner/${ownerId}`;

/** KEYS: record, everyone's list, the owner's list. ARGV: json, ttl (s), at (ms), id, oldest kept (ms). */
const RECORD = `
if not redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2], 'NX') then return 0 end
for i = 2, 3 do
  redis.call('ZADD', KEYS[i], ARGV[3], ARGV[4])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', '(' .. ARGV[5])
  redis.call('EXPIRE', KEYS[i], ARGV[2])
end
return 1
`;

type Scripted = RedisClient & {
  recordAcceptance(
    record: string,
    all: string,
    owner: string,
    json: string,
    ttl: number,
    at: number,
    id: string,
    oldest: number,
  ): Promise<number>;
};

export class RedisAcceptanceStore implements AcceptanceStore {
  private readonly redis: Scripted;

  constructor(
    settings: { url: string; password?: string | undefined; cluster?: boolean | undefined; keyPrefix: string },
    log: { warn: (object: object, message: string) => void },
  ) {
    const redis = createRedisClient({ ...settings, connectionName: 'dronedelivery-ingestion-acceptances', commandTimeoutMs: 2_000 }, log);
    redis.defineCommand('recordAcceptance', { numberOfKeys: 3, lua: RECORD });
    this.redis = redis as Scripted;
  }

  async record(acceptance: DeliveryAcceptance, ttlSeconds: number): Promise<void> {
    const { at, id } = positionOf(acceptance);
    const oldest = Date.now() - ttlSeconds * 1000;
    const shard = shardOf(id);
    await this.guard(() =>
      this.redis.recordAcceptance(
        recordKey(id),
        listAll(shard),
        listOf(shard, acceptance.request.ownerId),
        JSON.stringify(acceptance),
        ttlSeconds,
        at,
        id,
        oldest,
      ),
    );
  }

  async find(deliveryId: string): Promise<DeliveryAcceptance | undefined> {
    const stored = await this.guard(() => this.redis.get(recordKey(deliveryId)));
    return stored === null ? undefined : (JSON.parse(stored) as DeliveryAcceptance);
  }

  async list(range: AcceptanceRange): Promise<DeliveryAcceptance[]> {
    const { ownerId } = range;
    const listIn = (shard: string) => (ownerId === undefined ? listAll(shard) : listOf(shard, ownerId));
    const lists = everyShard().map(listIn);
    const found: DeliveryAcceptance[] = [];
    let after = range.after;
    for (;;) {
      const wanted = range.count - found.length;
      const positions = await this.guard(() => readPositionsAcross(this.redis, lists, { ...range, after, count: wanted }));
      if (positions.length === 0) return found;
      // One read per record: records of different shards cannot share one MGET on a cluster.
      const stored = await this.guard(() => Promise.all(positions.map((position) => this.redis.get(recordKey(position.id)))));
      const expired = positions.filter((_, index) => stored[index] === null).map((position) => position.id);
      for (const json of stored) if (json !== null) found.push(JSON.parse(json) as DeliveryAcceptance);
      await this.guard(() => Promise.all(expired.map((id) => this.redis.zrem(listIn(shardOf(id)), id))));
      after = positions.at(-1);
      if (found.length >= range.count || positions.length < wanted) return found;
    }
  }

  async ping(): Promise<void> {
    await waitUntilConnected(this.redis, 0);
  }

  async ready(): Promise<void> {
    await waitUntilConnected(this.redis);
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private async guard<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw translateRedisError(error, 'acceptance store');
    }
  }
}
