// The package service's contract: the public reads and the internal upsert/patch.
import { z } from 'zod';
import { LIMITS } from './limits.ts';
import { Identifier, PackageSize, text } from './shared.ts';

/** Weight in kilograms: what a delivery drone can lift, not what a truck can. */
export const PackageWeight = z.number().positive().max(100);
export const PackageTag = text(LIMITS.tagLength);

export const Package = z.object({
  id: Identifier,
  ownerId: Identifier,
  size: PackageSize,
  weight: PackageWeight,
  tag: PackageTag.optional(),
});

export const PackageIdParams = z.object({ id: Identifier });
export const OwnerIdParams = z.object({ ownerId: Identifier });

/** `PUT /api/packages/{id}`: create or replace. An `id` in the body must match the path. */
export const PackageUpsert = z.strictObject({
  id: Identifier.optional(),
  ownerId: Identifier,
  size: PackageSize,
  weight: PackageWeight,
  tag: PackageTag.optional(),
});

/** `PATCH /api/packages/{id}`: only the fields given change; the owner never does. */
export const PackagePatch = z
  .strictObject({
    size: PackageSize.optional(),
    weight: PackageWeight.optional(),
    tag: PackageTag.optional(),
  })
  .refine((patch) => Object.values(patch).some((value) => value !== undefined), 'give at least one of size, weight, tag');

export const PackageSummary = z.object({
  ownerId: Identifier,
  year: z.number().int(),
  month: z.number().int(),
  count: z.number().int().min(0),
  totalWeight: z.number().min(0),
});

export type Package = z.infer<typeof Package>;
export type PackageUpsert = z.infer<typeof PackageUpsert>;
export type PackagePatch = z.infer<typeof PackagePatch>;
export type PackageSummary = z.infer<typeof PackageSummary>;
