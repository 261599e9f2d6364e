// The port: what the delivery service needs from a store. Writes are compare-and-set on
// a record version, so a command decided on a stale read is retried, never lost.
import type { TrackingEvent } from '@dronedelivery/contracts';
import type { ListRange as KitListRange, ListPosition } from '@dronedelivery/service-kit';
import type { Change, DeliveryRecord, Notification } from '../domain.ts';

export interface VersionedRecord {
  record: DeliveryRecord;
  /** Increases by one with every write; 0 means "does not exist". */
  version: number;
}

export type { ListPosition };

export interface ListRange extends KitListRange {
  /** One owner's deliveries; every owner's when absent (operators). */
  ownerId?: string | undefined;
}

export interface DeliveryStore {
  /** Connects (with retries); run once at start-up. */
  start(): Promise<void>;
  get(id: string): Promise<VersionedRecord | undefined>;
  /** Several records in one round trip, in the order asked (undefined where there is none). */
  getMany(ids: string[]): Promise<(VersionedRecord | undefined)[]>;
  /**
   * Applies `change` to delivery `id` atomically — record, events, indexes, notifications,
   * expiry — if its version is still `expectedVersion` (0: it must not exist yet).
   * Resolves false, writing nothing, if another write came first.
   */
  commit(id: string, expectedVersion: number, change: Change): Promise<boolean>;
  /** The recorded tracking events of a delivery, oldest first. */
  events(id: string): Promise<TrackingEvent[]>;
  /** Deliveries in the lists (`Change.listed`), newest first, within `range`. */
  listPositions(range: ListRange): Promise<ListPosition[]>;
  /** Drops list entries whose delivery is gone (its retention passed). */
  unlist(entries: { ownerId?: string | undefined; id: string }[]): Promise<void>;
  /** Number of deliveries an owner scheduled in a month ("2026-11") and did not cancel. */
  countForOwnerMonth(ownerId: string, month: string): Promise<number>;
  /** The most recent entries of the outbound notifications stream, oldest first. */
  recentNotifications(count: number): Promise<Notification[]>;
  /** Resolves when the store can serve requests (readiness). */
  ping(signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}
