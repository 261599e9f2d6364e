// Acceptances in memory, for embedded mode and tests: the same contract as Redis, bounded in
// count so a long-running embedded system does not grow without end.
import type { DeliveryAcceptance } from '@dronedelivery/contracts';
import type { AcceptanceStore } from './store.ts';

export class MemoryAcceptanceStore implements AcceptanceStore {
  private readonly acceptances = new Map<string, { acceptance: DeliveryAcceptance; expiresAt: number }>();
  private readonly maxEntries: number;

  constructor(options: { maxEntries?: number } = {}) {
    this.maxEntries = options.maxEntries ?? 200_000;
  }

  async record(acceptance: DeliveryAcceptance, ttlSeconds: number): Promise<void> {
    if (await this.find(acceptance.request.deliveryId)) return;
    this.acceptances.set(acceptance.request.deliveryId, {
      acceptance: structuredClone(acceptance),
      expiresAt: Date.now() + ttlSeconds * 1000,
    });
    // A Map keeps insertion order: the first key is the oldest acceptance.
    if (this.acceptances.size > this.maxEntries) this.acceptances.delete(this.acceptances.keys().next().value as string);
  }

  async find(deliveryId: string): Promise<DeliveryAcceptance | undefined> {
    const known = this.acceptances.get(deliveryId);
    if (!known) return undefined;
    if (known.expiresAt <= Date.now()) {
      this.acceptances.delete(deliveryId);
      return undefined;
    }
    return structuredClone(known.acceptance);
  }

  async ping(): Promise<void> {}

  async ready(): Promise<void> {}

  async close(): Promise<void> {}
}
