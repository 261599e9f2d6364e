// Idempotency keys in memory, for embedded mode and tests: the same contract as Redis.
import type { IdempotencyStore, KeyState, StoredResponse } from './store.ts';

export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly keys = new Map<string, { value: KeyState; expiresAt: number }>();

  async claim(key: string, fingerprint: string, ttlSeconds: number): Promise<{ claimed: true } | { claimed: false; existing: KeyState }> {
    const known = this.keys.get(key);
    if (known && known.expiresAt > Date.now()) return { claimed: false, existing: structuredClone(known.value) };
    this.keys.set(key, { value: { state: 'pending', fingerprint }, expiresAt: Date.now() + ttlSeconds * 1000 });
    return { claimed: true };
  }

  async complete(key: string, fingerprint: string, response: StoredResponse): Promise<void> {
    const known = this.keys.get(key);
    if (known) known.value = { state: 'completed', fingerprint, response: structuredClone(response) };
  }

  async release(key: string): Promise<void> {
    this.keys.delete(key);
  }

  async ping(): Promise<void> {}

  async ready(): Promise<void> {}

  async close(): Promise<void> {}
}
