// Problems (RFC 9457) whose extra members a caller acts on: the members are part of the
// contract, so a caller reads them through these schemas rather than by name.
import { z } from 'zod';
import { DeliveryStage, Instant, Problem } from './shared.ts';

/** The `type` of a problem, from its slug: `problemTypeOf('no-drone-available')`. */
export const problemTypeOf = (slug: string): string => `https://dronedelivery.fabrikam.com/problems/${slug}`;

/** 409 from the delivery service: the delivery's stage does not allow the change. */
export const TransitionProblem = Problem.extend({ from: DeliveryStage, to: DeliveryStage });

/** 409 from the dronescheduler: every capable drone is booked; one is expected back after this. */
export const NoDroneProblem = Problem.extend({ type: z.literal(problemTypeOf('no-drone-available')), retryAfterSeconds: z.number() });

/** 410 from the delivery service: a cancel arrived before the workflow recorded the delivery. */
export const CancelledBeforeScheduledProblem = Problem.extend({
  type: z.literal(problemTypeOf('cancelled-before-scheduled')),
  cancelledAt: Instant,
});

/** The problem in `body` if it has `schema`'s shape. */
export function problemAs<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> | undefined {
  const parsed = schema.safeParse(body);
  return parsed.success ? parsed.data : undefined;
}

export type TransitionProblem = z.infer<typeof TransitionProblem>;
export type NoDroneProblem = z.infer<typeof NoDroneProblem>;
export type CancelledBeforeScheduledProblem = z.infer<typeof CancelledBeforeScheduledProblem>;
