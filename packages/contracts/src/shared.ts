// Shapes shared across the API: identifiers, locations, enumerations, problem details.
// Contracts change additively; a breaking change gets a new version of the schema.
import { z } from 'zod';

/**
 * Identifiers chosen by clients (package ids, owner ids) or by us (delivery ids). A safe
 * character set: they end up in URLs, Redis keys and log lines.
 */
export const Identifier = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]*$/, 'must start with a letter or digit and contain only letters, digits and . _ : @ -');

export const Coordinates = z.object({
  latitude: z.number().min(-90).max(90),
  longitude: z.number().min(-180).max(180),
  altitude: z.number().min(-500).max(20_000).optional(),
  /** The address or label the coordinates were placed from, when they were. */
  label: z.string().trim().min(1).max(256).optional(),
});

/** A coordinate, or (as in the original samples) a non-empty address or label. */
export const Location = z.union([Coordinates, z.string().trim().min(1).max(256)]);

export const ConfirmationRequired = z.enum(['FingerPrint', 'Picture', 'Voice', 'None']);
export const PackageSize = z.enum(['Small', 'Medium', 'Large']);
export const DeliveryStage = z.enum(['Created', 'Rescheduled', 'HeadedToPickup', 'HeadedToDropoff', 'Completed', 'Cancelled']);

/**
 * An instant: accepted as ISO-8601 with any offset, stored and returned in UTC. A codec
 * rather than a transform, so that responses containing one can be encoded too.
 */
export const Instant = z.codec(z.iso.datetime({ offset: true }), z.iso.datetime(), {
  decode: (value) => new Date(value).toISOString(),
  encode: (value) => value,
});

/** Calendar month of a summary or invoice: `?year=2026&month=11`. */
export const MonthQuery = z.object({
  year: z.coerce.number().int().min(1).max(9999),
  month: z.coerce.number().int().min(1).max(12),
});

/** RFC 9457 problem details, as every error response carries them. */
export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .loose();

export type Identifier = z.infer<typeof Identifier>;
export type Coordinates = z.infer<typeof Coordinates>;
export type Location = z.infer<typeof Location>;
export type ConfirmationRequired = z.infer<typeof ConfirmationRequired>;
export type PackageSize = z.infer<typeof PackageSize>;
export type DeliveryStage = z.infer<typeof DeliveryStage>;
export type MonthQuery = z.infer<typeof MonthQuery>;
export type Problem = z.infer<typeof Problem>;
export type Instant = z.infer<typeof Instant>;
