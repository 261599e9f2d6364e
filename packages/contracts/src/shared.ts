// Shapes shared across the API: identifiers, locations, enumerations, problem details.
// Contracts change additively; a breaking change gets a new version of the schema.
import { z } from 'zod';
import { LIMITS } from './limits.ts';
import { DELIVERY_STAGES } from './stages.ts';

/** No control characters (C0, DEL, C1): they have no place in a label or a tag and break logs and terminals. */
const CONTROL_CHARACTER = /\p{Cc}/u;
/** The same characters, spelled out for a JSON Schema pattern (ECMA-262 without the u flag). */
const CONTROLS = '\\u0000-\\u001f\\u007f-\\u009f';
const NO_CONTROL = `[^${CONTROLS}]`;

/**
 * Free text from a client: well-formed Unicode (no lone surrogates, which JSON escapes can
 * carry and no store or log line represents faithfully) and no control characters.
 */
export function text(maxLength: number, minLength = 0) {
  return (
    z
      .string()
      .trim()
      .min(minLength)
      .max(maxLength)
      .refine((value) => value.isWellFormed(), 'must be well-formed Unicode text (no lone surrogates)')
      .refine((value) => !CONTROL_CHARACTER.test(value), 'must not contain control characters')
      // The refinements do not reach the OpenAPI document; this pattern says the same to clients
      // and generators (no control characters; when text is required, something besides spaces).
      .meta({ pattern: minLength > 0 ? `^${NO_CONTROL}*[^\\s\\ufeff${CONTROLS}]${NO_CONTROL}*$` : `^${NO_CONTROL}*$` })
  );
}

/**
 * Identifiers chosen by clients (package ids, owner ids) or by us (delivery ids). A safe
 * character set: they end up in URLs, Redis keys and log lines.
 */
export const Identifier = z
  .string()
  .min(1)
  .max(LIMITS.identifierLength)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]*$/, 'must start with a letter or digit and contain only letters, digits and . _ : @ -');

export const Coordinates = z.strictObject({
  latitude: z.number().min(-90).max(90),
  longitude: z.number().min(-180).max(180),
  altitude: z.number().min(-500).max(20_000).optional(),
  /** The address or label the coordinates were placed from, when they were. */
  label: text(LIMITS.labelLength, 1).optional(),
});

/** A coordinate, or (as in the original samples) a non-empty address or label. */
export const Location = z.union([Coordinates, text(LIMITS.labelLength, 1)]);

export const ConfirmationRequired = z.enum(['FingerPrint', 'Picture', 'Voice', 'None']);
export const PackageSize = z.enum(['Small', 'Medium', 'Large']);
/**
 * `Requested`: accepted (202) and not scheduled yet, visible to its owner from the 202 on.
 * `Rejected`: the workflow could not complete it (terminal; a reason code says why).
 */
export const DeliveryStage = z.enum(DELIVERY_STAGES);

/**
 * An instant: accepted as ISO-8601 with any offset, stored and returned in UTC. A codec
 * rather than a transform, so that responses containing one can be encoded too.
 */
const inFourDigitYears = (value: string) => {
  const year = new Date(value).getUTCFullYear();
  return year >= 1 && year <= 9999;
};
export const Instant = z.codec(
  // An offset can carry 9999-12-31T23:59Z-01:00 into year 10000, which ISO-8601 cannot write.
  z.iso.datetime({ offset: true }).refine(inFourDigitYears, 'must fall between the years 0001 and 9999 in UTC'),
  z.iso.datetime(),
  {
    decode: (value) => new Date(value).toISOString(),
    encode: (value) => value,
  },
);

/** Calendar month of a summary or invoice: `?year=2026&month=11`. */
export const MonthQuery = z.object({
  year: z.coerce.number().int().min(1).max(9999),
  month: z.coerce.number().int().min(1).max(12),
});

/**
 * `Idempotency-Key` header: the same key with the same body within its time to live returns
 * the first answer again and queues nothing; the same key with another body is 422. Keys
 * belong to the caller's owner (POST) or to the delivery (PATCH).
 */
export const IdempotencyKey = z
  .string()
  .regex(/^[\w.:-]{1,128}$/, 'must be 1-128 letters, digits or . _ : -')
  .describe('Repeat a request safely: the same key and body get the first answer again; the same key with another body is 422.');

export const IdempotencyHeaders = z.object({ 'idempotency-key': IdempotencyKey.optional() });

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
