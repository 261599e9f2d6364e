// Idempotency keys in memory, for embedded mode and tests: the same contract as Redis.
import type { Acceptance, IdempotencyStore } from './store.ts';

export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly keys = new Map<string, { acceptance: Acceptance; expiresAt: number }>();

  async claim(
    key: string,
    acceptance: Acceptance,
    ttlSeconds: number,
  ): Promise<{ claimed: true } | { claimed: false; existing: Acceptance }> {
    const known = this.keys.get(key);
    if (known && known.expiresAt > Date.now()) return { claimed: false, existing: structuredClone(known.acceptance) };
    this.keys.set(key, { acceptance: structuredClone(acceptance), expiresAt: Date.now() + ttlSeconds * 1000 });
    return { claimed: true };
  }

  async release(key: string): Promise<void> {
    this.keys.delete(key);
  }

  async ping(): Promise<void> {}

  async ready(): Promise<void> {}

  async close(): Promise<void> {}
}
