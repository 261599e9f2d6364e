// In-memory PackageStore for embedded mode and tests: the same contract as MongoDB,
// data lost on exit. Every operation completes synchronously, so each is atomic.
import type { Package, PackagePatch } from '@dronedelivery/contracts';
import { type PackageFields, PackageOwnedByAnotherOwner, samePackage } from '../domain.ts';
import type { PackageStore, PackageTotals, UpsertOutcome } from './store.ts';

interface StoredPackage {
  package: Package;
  createdAt: Date;
}

export class MemoryPackageStore implements PackageStore {
  private readonly packages = new Map<string, StoredPackage>();

  async start(): Promise<void> {}

  async upsert(id: string, fields: PackageFields, now: Date): Promise<{ outcome: UpsertOutcome; package: Package }> {
    const stored = this.packages.get(id);
    if (stored && stored.package.ownerId !== fields.ownerId) throw new PackageOwnedByAnotherOwner(id);
    if (stored && samePackage(stored.package, fields)) return { outcome: 'unchanged', package: { ...stored.package } };
    const next = withoutUndefined({ id, ...fields });
    this.packages.set(id, { package: next, createdAt: stored?.createdAt ?? now });
    return { outcome: stored ? 'updated' : 'created', package: { ...next } };
  }

  async patch(id: string, changes: PackagePatch): Promise<Package | undefined> {
    const stored = this.packages.get(id);
    if (!stored) return undefined;
    stored.package = withoutUndefined({ ...stored.package, ...withoutUndefined(changes) });
    return { ...stored.package };
  }

  async get(id: string): Promise<Package | undefined> {
    const stored = this.packages.get(id);
    return stored ? { ...stored.package } : undefined;
  }

  async totals(ownerId: string, from: Date, to: Date): Promise<PackageTotals> {
    let count = 0;
    let totalWeight = 0;
    for (const { package: p, createdAt } of this.packages.values()) {
      if (p.ownerId !== ownerId || createdAt < from || createdAt >= to) continue;
      count += 1;
      totalWeight += p.weight;
    }
    return { count, totalWeight };
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
