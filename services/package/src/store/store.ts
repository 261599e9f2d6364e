// The port: what the package service needs from a store, whatever the database.
import type { Package, PackagePatch } from '@dronedelivery/contracts';
import type { PackageFields } from '../domain.ts';

export type UpsertOutcome = 'created' | 'updated' | 'unchanged';

export interface PackageTotals {
  count: number;
  totalWeight: number;
}

export interface PackageStore {
  /** Connects (with retries) and prepares indexes; run once at start-up. */
  start(): Promise<void>;
  /**
   * Creates or replaces package `id` atomically; `now` becomes its creation time if new.
   * Throws PackageOwnedByAnotherOwner if `id` exists under another owner.
   */
  upsert(id: string, fields: PackageFields, now: Date): Promise<{ outcome: UpsertOutcome; package: Package }>;
  /** Sets only the given fields; undefined when there is no such package. */
  patch(id: string, changes: PackagePatch): Promise<Package | undefined>;
  get(id: string): Promise<Package | undefined>;
  /** Count and total weight of an owner's packages created in [from, to). */
  totals(ownerId: string, from: Date, to: Date): Promise<PackageTotals>;
  /** Resolves when the store can serve requests (readiness). */
  ping(signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}
