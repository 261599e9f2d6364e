// In-memory DeliveryStore for embedded mode and tests: the same contract as Redis,
// including versioned writes and retention, with data lost on exit.
import type { TrackingEvent } from '@dronedelivery/contracts';
import type { Change, Notification } from '../domain.ts';
import type { DeliveryStore, ListPosition, ListRange, VersionedRecord } from './store.ts';

interface Entry extends VersionedRecord {
  events: TrackingEvent[];
  /** Epoch ms after which the entry is forgotten. */
  expiresAt?: number;
}

const clone = <T>(value: T): T => structuredClone(value);

/** Whether `a` comes before `b` in time order (ties broken by id). */
const before = (a: ListPosition, b: ListPosition) => a.at < b.at || (a.at === b.at && a.id < b.id);

export class MemoryDeliveryStore implements DeliveryStore {
  private readonly deliveries = new Map<string, Entry>();
  private readonly ownerMonths = new Map<string, Set<string>>();
  /** Lists, newest first: every delivery under '', and each owner's under its id. */
  private readonly lists = new Map<string, ListPosition[]>();
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
      for (const list of ['', change.listed.ownerId]) this.insert(list, { at: change.listed.at, id });
    }
    this.notifications.push(...clone(change.notifications));
    this.notifications.splice(0, Math.max(0, this.notifications.length - this.maxNotifications));
    return true;
  }

  async events(id: string): Promise<TrackingEvent[]> {
    return clone(this.live(id)?.events ?? []);
  }

  async listPositions(range: ListRange): Promise<ListPosition[]> {
    const positions = this.lists.get(range.ownerId ?? '') ?? [];
    const found: ListPosition[] = [];
    // Kept oldest first (new deliveries append at the end); read backwards from the newest allowed.
    for (let i = this.indexAfter(positions, range) - 1; i >= 0 && found.length < range.count; i -= 1) {
      const position = positions[i] as ListPosition;
      if (range.from !== undefined && position.at < range.from) break;
      found.push({ ...position });
    }
    return found;
  }

  async unlist(entries: { ownerId?: string | undefined; id: string }[]): Promise<void> {
    for (const { ownerId, id } of entries) {
      for (const list of ownerId === undefined ? [''] : ['', ownerId]) {
        const positions = this.lists.get(list);
        const index = positions?.findIndex((position) => position.id === id) ?? -1;
        if (index >= 0) positions?.splice(index, 1);
      }
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

  /** Ordered by time, then id, as a sorted set orders its members; new ones usually go last. */
  private insert(list: string, position: ListPosition): void {
    const positions = this.lists.get(list) ?? [];
    this.lists.set(list, positions);
    let index = positions.length;
    while (index > 0 && before(position, positions[index - 1] as ListPosition)) index -= 1;
    positions.splice(index, 0, position);
  }

  /** The index of the first position not allowed by the range's upper bounds (`after`, `to`). */
  private indexAfter(positions: ListPosition[], range: ListRange): number {
    let low = 0;
    let high = positions.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const position = positions[middle] as ListPosition;
      const allowed = (!range.after || before(position, range.after)) && (range.to === undefined || position.at < range.to);
      if (allowed) low = middle + 1;
      else high = middle;
    }
    return low;
  }

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
