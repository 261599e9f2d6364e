// Idempotency keys in Redis: SET NX with the TTL to claim, SET XX KEEPTTL to complete.
import { createRedisClient, type Redis, translateRedisError, waitUntilConnected } from '@dronedelivery/redis';
import type { IdempotencyStore, KeyState, StoredResponse } from './store.ts';

export class RedisIdempotencyStore implements IdempotencyStore {
  private readonly redis: Redis;

  constructor(
    settings: { url: string; password?: string | undefined; keyPrefix: string },
    log: { warn: (object: object, message: string) => void },
  ) {
    this.redis = createRedisClient({ ...settings, connectionName: 'dronedelivery-ingestion-idempotency', commandTimeoutMs: 2_000 }, log);
  }

  async claim(key: string, fingerprint: string, ttlSeconds: number): Promise<{ claimed: true } | { claimed: false; existing: KeyState }> {
    return this.guard(async () => {
      const pending: KeyState = { state: 'pending', fingerprint };
      if ((await this.redis.set(key, JSON.stringify(pending), 'EX', ttlSeconds, 'NX')) === 'OK') return { claimed: true };
      const stored = await this.redis.get(key);
      // Expired between the two commands: claim again.
      if (stored === null) return this.claim(key, fingerprint, ttlSeconds);
      return { claimed: false, existing: JSON.parse(stored) as KeyState };
    });
  }

  async complete(key: string, fingerprint: string, response: StoredResponse): Promise<void> {
    const completed: KeyState = { state: 'completed', fingerprint, response };
    await this.guard(() => this.redis.set(key, JSON.stringify(completed), 'KEEPTTL', 'XX'));
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
