// DeliveryStore on Redis (Azure Cache for Redis in production, one server or a cluster) with
// ioredis. Each write is one Lua script: a compare-and-set on the record version that also
// appends the events, maintains the owner index and the lists, emits notifications and sets
// the retention expiry, so a reader never sees half a change. A delivery's keys and the
// indexes of its shard share one hash tag, so the script runs on one cluster node; lists,
// counts and notifications are read from every shard. Key design: see README, "The delivery service".
import type { TrackingEvent } from '@dronedelivery/contracts';
import {
  createRedisClient,
  everyShard,
  type RedisClient,
  readPositionsAcross,
  shardOf,
  translateRedisError,
  waitUntilConnected,
} from '@dronedelivery/redis';
import { connectWithRetry, type Logger } from '@dronedelivery/service-kit';
import type { Config } from '../config.ts';
import type { Change, DeliveryRecord, Notification } from '../domain.ts';
import type { DeliveryStore, ListPosition, ListRange, VersionedRecord } from './store.ts';

export type RedisSettings = Pick<
  Config,
  | 'REDIS_PASSWORD'
  | 'REDIS_CLUSTER'
  | 'REDIS_KEY_PREFIX'
  | 'REDIS_COMMAND_TIMEOUT_MS'
  | 'REDIS_CONNECT_ATTEMPTS'
  | 'REDIS_CONNECT_BACKOFF_MS'
  | 'SUMMARY_RETENTION_DAYS'
  | 'NOTIFICATIONS_STREAM_MAX_LENGTH'
> & { REDIS_URL: string };

/**
 * Keys of one delivery and the indexes of its shard share the shard's hash tag (`{s0}`…),
 * so they live in one hash slot: a delivery's keys are found from its id alone.
 */
export const keys = {
  record: (id: string) => `delivery:${shardOf(id)}:${id}`,
  events: (id: string) => `delivery:${shardOf(id)}:${id}:events`,
  ownerMonth: (shard: string, ownerId: string, month: string) => `deliveries:${shard}:owner:${ownerId}:${month}`,
  notifications: (shard: string) => `deliveries:${shard}:notifications`,
  /** Sorted sets of delivery ids by creation time: every delivery, and each owner's. */
  listAll: (shard: string) => `deliveries:${shard}:list`,
  listOwner: (shard: string, ownerId: string) => `deliveries:${shard}:list:owner:${ownerId}`,
};

/**
 * KEYS: record, events, owner-month index, notifications stream, list of all, owner's list.
 * ARGV: expected version, record JSON, retention in ms (0 = none; started only once), index op
 * (add|remove|none), delivery id, index TTL (s), stream max length, keep ('1' removes the
 * expiry), listed at (epoch ms, '' when not new), event count, the events, then the notifications.
 */
const COMMIT = `
local stored = redis.call('HGET', KEYS[1], 'version')
local version = stored and tonumber(stored) or 0
if version ~= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'record', ARGV[2], 'version', version + 1)
local eventCount = tonumber(ARGV[10])
for i = 1, eventCount do redis.call('RPUSH', KEYS[2], ARGV[10 + i]) end
if ARGV[8] == '1' then
  redis.call('PERSIST', KEYS[1])
  redis.call('PERSIST', KEYS[2])
end
local retainFor = tonumber(ARGV[3])
if retainFor > 0 and redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], retainFor) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
if ARGV[4] == 'add' then
  redis.call('SADD', KEYS[3], ARGV[5])
  redis.call('EXPIRE', KEYS[3], ARGV[6])
elseif ARGV[4] == 'remove' then
  redis.call('SREM', KEYS[3], ARGV[5])
end
if ARGV[9] ~= '' then
  redis.call('ZADD', KEYS[5], ARGV[9], ARGV[5])
  redis.call('ZADD', KEYS[6], ARGV[9], ARGV[5])
end
for i = 11 + eventCount, #ARGV do
  redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[7], '*', 'notification', ARGV[i])
end
return 1
`;

type RedisWithCommit = RedisClient & {
  commitDelivery(...args: (string | number)[]): Promise<number>;
};

export class RedisDeliveryStore implements DeliveryStore {
  private readonly settings: RedisSettings;
  private readonly log: Logger;
  private readonly redis: RedisWithCommit;

  constructor(settings: RedisSettings, log: Logger) {
    this.settings = settings;
    this.log = log;
    this.redis = createRedisClient(
      {
        url: settings.REDIS_URL,
        password: settings.REDIS_PASSWORD,
        cluster: settings.REDIS_CLUSTER === 'true',
        keyPrefix: settings.REDIS_KEY_PREFIX,
        commandTimeoutMs: settings.REDIS_COMMAND_TIMEOUT_MS,
        connectionName: 'dronedelivery-delivery',
      },
      log,
    ) as RedisWithCommit;
    this.redis.defineCommand('commitDelivery', { numberOfKeys: 6, lua: COMMIT });
  }

  async start(): Promise<void> {
    await connectWithRetry(() => waitUntilConnected(this.redis), {
      name: 'Redis',
      attempts: this.settings.REDIS_CONNECT_ATTEMPTS,
      initialDelayMs: this.settings.REDIS_CONNECT_BACKOFF_MS,
      log: this.log,
    });
  }

  async get(id: string): Promise<VersionedRecord | undefined> {
    const [record, version] = await this.guard(() => this.redis.hmget(keys.record(id), 'record', 'version'));
    if (!record || !version) return undefined;
    return { record: JSON.parse(record) as DeliveryRecord, version: Number(version) };
  }

  /** One read per delivery, all in flight at once (on a cluster they go to different nodes). */
  async getMany(ids: string[]): Promise<(VersionedRecord | undefined)[]> {
    return Promise.all(ids.map((id) => this.get(id)));
  }

  async commit(id: string, expectedVersion: number, change: Change): Promise<boolean> {
    const index = change.index;
    const shard = shardOf(id);
    const applied = await this.guard(() =>
      this.redis.commitDelivery(
        keys.record(id),
        keys.events(id),
        index ? keys.ownerMonth(shard, index.ownerId, index.month) : keys.ownerMonth(shard, '-', '-'),
        keys.notifications(shard),
        keys.listAll(shard),
        keys.listOwner(shard, change.listed?.ownerId ?? '-'),
        expectedVersion,
        JSON.stringify(change.record),
        change.retainForMs ?? 0,
        index?.op ?? 'none',
        id,
        this.settings.SUMMARY_RETENTION_DAYS * 24 * 3600,
        this.settings.NOTIFICATIONS_STREAM_MAX_LENGTH,
        change.keep ? '1' : '0',
        change.listed ? String(change.listed.at) : '',
        change.events.length,
        ...change.events.map((event) => JSON.stringify(event)),
        ...change.notifications.map((notification) => JSON.stringify(notification)),
      ),
    );
    return applied === 1;
  }

  async events(id: string): Promise<TrackingEvent[]> {
    const items = await this.guard(() => this.redis.lrange(keys.events(id), 0, -1));
    return items.map((item) => JSON.parse(item) as TrackingEvent);
  }

  async listPositions(range: ListRange): Promise<ListPosition[]> {
    const { ownerId } = range;
    const lists = everyShard().map((shard) => (ownerId === undefined ? keys.listAll(shard) : keys.listOwner(shard, ownerId)));
    return this.guard(() => readPositionsAcross(this.redis, lists, range));
  }

  async unlist(entries: { ownerId?: string | undefined; id: string }[]): Promise<void> {
    await this.guard(() =>
      Promise.all(
        entries.flatMap(({ ownerId, id }) => {
          const shard = shardOf(id);
          const removals = [this.redis.zrem(keys.listAll(shard), id)];
          if (ownerId !== undefined) removals.push(this.redis.zrem(keys.listOwner(shard, ownerId), id));
          return removals;
        }),
      ),
    );
  }

  async countForOwnerMonth(ownerId: string, month: string): Promise<number> {
    const counts = await this.guard(() =>
      Promise.all(everyShard().map((shard) => this.redis.scard(keys.ownerMonth(shard, ownerId, month)))),
    );
    return counts.reduce((sum, count) => sum + count, 0);
  }

  /** The newest `count` notifications, oldest first: each shard's stream, merged by entry id (time, then sequence). */
  async recentNotifications(count: number): Promise<Notification[]> {
    const streams = await this.guard(() =>
      Promise.all(everyShard().map((shard) => this.redis.xrevrange(keys.notifications(shard), '+', '-', 'COUNT', count))),
    );
    const entryTime = (id: string) => id.split('-').map(Number) as [number, number];
    return streams
      .flat()
      .sort(([a], [b]) => {
        const [aMs, aSeq] = entryTime(a);
        const [bMs, bSeq] = entryTime(b);
        return bMs - aMs || bSeq - aSeq;
      })
      .slice(0, count)
      .reverse()
      .map(([, fields]) => JSON.parse(fields[1] ?? 'null') as Notification);
  }

  async ping(): Promise<void> {
    if (this.redis.status !== 'ready') throw new Error(`redis connection is ${this.redis.status}`);
    await this.redis.ping();
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  /** Remaining time to live of a delivery's record in ms (-2 missing, -1 none): for tests and operators. */
  async recordTtlMs(id: string): Promise<number> {
    return this.redis.pttl(keys.record(id));
  }

  private async guard<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw translateRedisError(error, 'delivery store');
    }
  }
}
