// The input bounds of the API, in one place: the edge (gateway, ingestion) and every service
// route enforce these same numbers, so a value accepted at the door is never refused later.

export const LIMITS = {
  /** Identifiers (owner, package, delivery ids) in characters. */
  identifierLength: 128,
  /** Address labels of a location. */
  labelLength: 256,
  /** A package's free-text tag. */
  tagLength: 64,
  /** A confirmation's reference to its stored proof. */
  confirmationBlobLength: 2048,
  /**
   * How far ahead a pickup may be asked for. Planning further out means nothing for a drone
   * fleet, and a year keeps every computed instant (ETAs, returns) well inside what ISO-8601
   * and the stores represent.
   */
  pickupHorizonDays: 366,
  /** A path parameter may be percent-encoded: up to three characters on the wire per character. */
  encodedIdentifierLength: 128 * 3,
  /** Deliveries returned by one page of a list. */
  listPageSize: { default: 20, max: 100 },
} as const;

export const DAY_MS = 86_400_000;

/** The latest pickup time accepted now. */
export function pickupHorizon(now: number = Date.now()): number {
  return now + LIMITS.pickupHorizonDays * DAY_MS;
}
