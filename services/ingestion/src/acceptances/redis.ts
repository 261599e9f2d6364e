// Acceptances in Redis (the queue's): one key per delivery id, written with SET NX and a TTL.
import type { DeliveryAcceptance } from '@dronedelivery/contracts';
import { createRedisClient, type Redis, translateRedisError, waitUntilConnected } from '@dronedelivery/redis';
import type { AcceptanceStore } from './store.ts';

export class RedisAcceptanceStore implements AcceptanceStore {
  private readonly redis: Redis;

  constructor(
    settings: { url: string; password?: string | undefined; keyPrefix: string },
    log: { warn: (object: object, message: string) => void },
  ) {
    this.redis = createRedisClient({ ...settings, connectionName: 'dronedelivery-ingestion-acceptances', commandTimeoutMs: 2_000 }, log);
  }

  async record(acceptance: DeliveryAcceptance, ttlSeconds: number): Promise<void> {
    await this.guard(() => this.redis.set(acceptance.request.deliveryId, JSON.stringify(acceptance), 'EX', ttlSeconds, 'NX'));
  }

  async find(deliveryId: string): Promise<DeliveryAcceptance | undefined> {
    const stored = await this.guard(() => this.redis.get(deliveryId));
    return stored === null ? undefined : (JSON.parse(stored) as DeliveryAcceptance);
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
