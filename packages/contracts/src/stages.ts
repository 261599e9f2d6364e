// A delivery's stages, as plain values: the zod schema (shared.ts) is built from them, and a
// client that must not carry zod (the console's bundle) imports them from here.

/** In the order a delivery goes through them. */
export const DELIVERY_STAGES = [
  'Requested',
  'Created',
  'Rescheduled',
  'HeadedToPickup',
  'HeadedToDropoff',
  'Completed',
  'Cancelled',
  'Rejected',
] as const;
