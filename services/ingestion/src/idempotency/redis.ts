// Idempotency keys in Redis: one SET NX with the TTL claims a key (one key per command, so a
// Redis Cluster needs nothing more).
import { createRedisClient, type RedisClient, translateRedisError, waitUntilConnected } from '@dronedelivery/redis';
import type { Acceptance, IdempotencyStore } from './store.ts';

export class RedisIdempotencyStore implements IdempotencyStore {
  private readonly redis: RedisClient;

  constructor(
    settings: { url: string; password?: string | undefined; cluster?: boolean | undefined; keyPrefix: string },
    log: { warn: (object: object, message: string) => void },
  ) {
    this.redis = createRedisClient({ ...settings, connectionName: 'dronedelivery-ingestion-idempotency', commandTimeoutMs: 2_000 }, log);
  }

  async claim(
    key: string,
    acceptance: Acceptance,
    ttlSeconds: number,
  ): Promise<{ claimed: true } | { claimed: false; existing: Acceptance }> {
    return this.guard(async () => {
      if ((await this.redis.set(key, JSON.stringify(acceptance), 'EX', ttlSeconds, 'NX')) === 'OK') return { claimed: true };
      const stored = await this.redis.get(key);
      // Expired between the two commands: claim again.
      if (stored === null) return this.claim(key, acceptance, ttlSeconds);
      return { claimed: false, existing: JSON.parse(stored) as Acceptance };
    });
  }

  async release(key: string): Promise<void> {
    await this.guard(() => this.redis.del(key));
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
      throw translateRedisError(error, 'idempotency store');
    }
  }
}
