// The package service's rules, free of I/O: ids, ownership and calendar months.
import type { Package, PackageUpsert } from '@dronedelivery/contracts';
import { Conflict, InvalidInput } from '@dronedelivery/service-kit';

/** What a PUT stores: everything but the id, which comes from the path. */
export type PackageFields = Omit<PackageUpsert, 'id'>;

/** A client may repeat the id in the body; if it does, it must be the one in the path. */
export function fieldsForUpsert(pathId: string, body: PackageUpsert): PackageFields {
  if (body.id !== undefined && body.id !== pathId) {
    throw new InvalidInput('The body names a different package than the path.', [
      { path: 'body.id', message: `must equal the id in the path ("${pathId}") or be omitted` },
    ]);
  }
  const { id: _ignored, ...fields } = body;
  return fields;
}

/** Thrown when a PUT would hand a package that belongs to one owner to another. */
export class PackageOwnedByAnotherOwner extends Conflict {
  constructor(id: string) {
    super(`Package ${id} belongs to another owner; package ids are unique across owners.`);
  }
}

/** Whether an upsert changes anything: identical repeats are reported as unchanged. */
export function samePackage(stored: Package, fields: PackageFields): boolean {
  return stored.ownerId === fields.ownerId && stored.size === fields.size && stored.weight === fields.weight && stored.tag === fields.tag;
}

/** The UTC instants that bound a calendar month: [start, end). */
export function monthRange(year: number, month: number): { start: Date; end: Date } {
  return { start: new Date(Date.UTC(year, month - 1, 1)), end: new Date(Date.UTC(year, month, 1)) };
}

/** Sums of floating-point weights drift (0.1 + 0.2); report them to the gram. */
export function roundWeight(kilograms: number): number {
  return Math.round(kilograms * 1000) / 1000;
}
