// Acceptances in memory, for embedded mode and tests: the same contract as Redis, bounded in
// count so a long-running embedded system does not grow without end.
import type { DeliveryAcceptance } from '@dronedelivery/contracts';
import { PositionLists } from '@dronedelivery/service-kit';
import { type AcceptanceRange, type AcceptanceStore, positionOf } from './store.ts';

export class MemoryAcceptanceStore implements AcceptanceStore {
  private readonly acceptances = new Map<string, { acceptance: DeliveryAcceptance; expiresAt: number }>();
  /** Every acceptance under '', and each owner's under its id. */
  private readonly lists = new PositionLists();
  private readonly maxEntries: number;

  constructor(options: { maxEntries?: number } = {}) {
    this.maxEntries = options.maxEntries ?? 200_000;
  }

  async record(acceptance: DeliveryAcceptance, ttlSeconds: number): Promise<void> {
    const { deliveryId, ownerId } = acceptance.request;
    if (await this.find(deliveryId)) return;
    this.acceptances.set(deliveryId, { acceptance: structuredClone(acceptance), expiresAt: Date.now() + ttlSeconds * 1000 });
    for (const list of ['', ownerId]) {
      this.lists.add(list, positionOf(acceptance));
      this.lists.removeOlderThan(list, Date.now() - ttlSeconds * 1000);
    }
    // A Map keeps insertion order: the first key is the oldest acceptance.
    if (this.acceptances.size > this.maxEntries) this.forget(this.acceptances.keys().next().value as string);
  }

  async find(deliveryId: string): Promise<DeliveryAcceptance | undefined> {
    const known = this.acceptances.get(deliveryId);
    if (!known) return undefined;
    if (known.expiresAt <= Date.now()) {
      this.forget(deliveryId);
      return undefined;
    }
    return structuredClone(known.acceptance);
  }

  async list(range: AcceptanceRange): Promise<DeliveryAcceptance[]> {
    const found: DeliveryAcceptance[] = [];
    let after = range.after;
    for (;;) {
      const wanted = range.count - found.length;
      const positions = this.lists.read(range.ownerId ?? '', { ...range, after, count: wanted });
      for (const position of positions) {
        const acceptance = await this.find(position.id);
        if (acceptance) found.push(acceptance);
      }
      after = positions.at(-1);
      if (found.length >= range.count || positions.length < wanted) return found;
    }
  }

  async ping(): Promise<void> {}

  async ready(): Promise<void> {}

  async close(): Promise<void> {}

  private forget(deliveryId: string): void {
    const known = this.acceptances.get(deliveryId);
    if (!known) return;
    this.acceptances.delete(deliveryId);
    for (const list of ['', known.acceptance.request.ownerId]) this.lists.remove(list, deliveryId);
  }
}
