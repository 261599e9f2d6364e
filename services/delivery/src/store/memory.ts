// In-memory DeliveryStore for embedded mode and tests: the same contract as Redis,
// including versioned writes and retention, with data lost on exit.
import type { TrackingEvent } from '@dronedelivery/contracts';
import { PositionLists } from '@dronedelivery/service-kit';
import type { Change, Notification } from '../domain.ts';
import type { DeliveryStore, ListPosition, ListRange, VersionedRecord } from './store.ts';

interface Entry extends VersionedRecord {
  events: TrackingEvent[];
  /** Epoch ms after which the entry is forgotten. */
  expiresAt?: number;
}

const clone = <T>(value: T): T => structuredClone(value);

export class MemoryDeliveryStore implements DeliveryStore {
  private readonly deliveries = new Map<string, Entry>();
  private readonly ownerMonths = new Map<string, Set<string>>();
  /** Lists, newest first: every delivery under '', and each owner's under its id. */
  private readonly lists = new PositionLists();
  private readonly notifications: Notification[] = [];
  private readonly maxNotifications: number;

  constructor(options: { maxNotifications?: number } = {}) {
    this.maxNotifications = options.maxNotifications ?? 100_000;
  }

  async start(): Promise<void> {}

  async get(id: string): Promise<VersionedRecord | undefined> {
    const entry = this.live(id);
    return entry ? { record: clone(entry.record), version: entry.version } : undefined;
  }

  async getMany(ids: string[]): Promise<(VersionedRecord | undefined)[]> {
    return Promise.all(ids.map((id) => this.get(id)));
  }

  async commit(id: string, expectedVersion: number, change: Change): Promise<boolean> {
    const entry = this.live(id);
    if ((entry?.version ?? 0) !== expectedVersion) return false;
    const kept = change.keep ? undefined : entry?.expiresAt;
    const expiresAt = kept ?? (change.retainForMs === undefined ? undefined : Date.now() + change.retainForMs);
    this.deliveries.set(id, {
      record: clone(change.record),
      version: expectedVersion + 1,
      events: [...(entry?.events ?? []), ...clone(change.events)],
      ...(expiresAt === undefined ? {} : { expiresAt }),
    });
    if (change.index) {
      const key = `${change.index.ownerId}/${change.index.month}`;
      const members = this.ownerMonths.get(key) ?? new Set<string>();
      if (change.index.op === 'add') members.add(id);
      else members.delete(id);
      this.ownerMonths.set(key, members);
    }
    if (change.listed) {
      for (const list of ['', change.listed.ownerId]) this.lists.add(list, { at: change.listed.at, id });
    }
    this.notifications.push(...clone(change.notifications));
    this.notifications.splice(0, Math.max(0, this.notifications.length - this.maxNotifications));
    return true;
  }

  async events(id: string): Promise<TrackingEvent[]> {
    return clone(this.live(id)?.events ?? []);
  }

  async listPositions(range: ListRange): Promise<ListPosition[]> {
    return this.lists.read(range.ownerId ?? '', range);
  }

  async unlist(entries: { ownerId?: string | undefined; id: string }[]): Promise<void> {
    for (const { ownerId, id } of entries) {
      for (const list of ownerId === undefined ? [''] : ['', ownerId]) this.lists.remove(list, id);
    }
  }

  async countForOwnerMonth(ownerId: string, month: string): Promise<number> {
    return this.ownerMonths.get(`${ownerId}/${month}`)?.size ?? 0;
  }

  async recentNotifications(count: number): Promise<Notification[]> {
    return clone(this.notifications.slice(-count));
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}

  /** The entry, unless its retention has passed (then it is forgotten, as Redis would). */
  private live(id: string): Entry | undefined {
    const entry = this.deliveries.get(id);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      this.deliveries.delete(id);
      return undefined;
    }
    return entry;
  }
}
