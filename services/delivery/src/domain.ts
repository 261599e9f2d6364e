// The delivery service's rules, free of I/O: the stage machine (from the request to its
// outcome), time-driven progress along the planned route, and what each command changes.
// Stores apply a Change atomically.
import type {
  Confirmation,
  Coordinates,
  Delivery,
  DeliveryCreate,
  DeliveryDetails,
  DeliveryFailure,
  DeliveryRefusal,
  DeliveryRejection,
  DeliveryReschedule,
  DeliveryStage,
  DeliveryStatus,
  DeliveryWaiting,
  DroneAssignment,
  NotifyMeRequest,
  TrackingEvent,
} from '@dronedelivery/contracts';
import { positionAt } from '@dronedelivery/geo';
import { Conflict, Gone, NotFound } from '@dronedelivery/service-kit';

/**
 * A delivery from the moment the workflow first records it: `Requested` (no drone yet, with
 * the reason it waits), scheduled (a drone assignment and the stages that follow), or
 * `Rejected` (the workflow gave up, with the reason).
 */
export interface StoredDelivery {
  kind: 'delivery';
  id: string;
  ownerId: string;
  pickup: Delivery['pickup'];
  dropoff: Delivery['dropoff'];
  pickupTime: string;
  deadline: string | null;
  expedited: boolean;
  confirmationRequired: Delivery['confirmationRequired'];
  packageId: string;
  /** null until a drone is assigned. */
  assignment: DroneAssignment | null;
  /** The stage last recorded; time may have moved the delivery on since (see progress). */
  stage: DeliveryStage;
  /** Why it is `Requested` or `Rejected`: a code and words for a person. */
  reason?: string;
  message?: string;
  droneExpectedAt?: string;
  /** Where its drone failed (a delivery ended by a drone fault): the drone stays there. */
  stoppedAt?: Coordinates;
  createdAt: string;
  updatedAt: string;
  confirmation?: Confirmation;
  notifyRequests: NotifyMeRequest[];
}

/** A cancel that arrived before the delivery was scheduled: a later schedule is refused. */
export interface CancelledBeforeScheduled {
  kind: 'cancelled-before-scheduled';
  id: string;
  cancelledAt: string;
}

export type DeliveryRecord = StoredDelivery | CancelledBeforeScheduled;

/** A tracking event as stored: a refusal keeps the id of the request it answers, so a retry records it once. */
export type StoredEvent = TrackingEvent & { ref?: string };

/** A message for the outbound notifications stream, consumed by an e-mail/SMS sender. */
export interface Notification {
  deliveryId: string;
  ownerId: string;
  channel: 'email' | 'sms';
  address: string;
  stage: DeliveryStage;
  at: string;
}

/** Everything one command writes, applied by a store in one atomic step. */
export interface Change {
  record: DeliveryRecord;
  events: TrackingEvent[];
  notifications: Notification[];
  /** The per-owner monthly index used by the summary. */
  index?: { ownerId: string; month: string; op: 'add' | 'remove' };
  /**
   * Forget the delivery this long after it finished. The store starts the clock at the
   * first such write and never restarts it (later writes keep the expiry)...
   */
  retainForMs?: number;
  /** ...unless the delivery comes back to life (a rejected request re-driven): then the expiry is removed. */
  keep?: true;
  /** A new delivery: list it under its owner, newest first (epoch ms of its creation). */
  listed?: { ownerId: string; at: number };
}

/** A command's answer, and the change to store (none when the command changes nothing). */
export interface Decision<T> {
  result: T;
  change?: Change;
}

const NEXT: Record<DeliveryStage, readonly DeliveryStage[]> = {
  Requested: ['Requested', 'Created', 'Rejected', 'Cancelled'],
  Created: ['Rescheduled', 'HeadedToPickup', 'Cancelled'],
  Rescheduled: ['Rescheduled', 'HeadedToPickup', 'Cancelled'],
  HeadedToPickup: ['HeadedToDropoff', 'Completed', 'Cancelled'],
  HeadedToDropoff: ['Completed', 'Cancelled'],
  Completed: [],
  Cancelled: [],
  // Final for the customer; an operator's redrive of the dead letter moves it on again.
  Rejected: ['Requested', 'Created', 'Rejected'],
};

export function canMove(from: DeliveryStage, to: DeliveryStage): boolean {
  return NEXT[from].includes(to);
}

/** A change the stage does not allow, naming both stages, so a caller knows why and whether retrying can help. */
export class InvalidTransition extends Conflict {
  constructor(id: string, from: DeliveryStage, to: DeliveryStage, reason?: string) {
    super(`Delivery ${id} is ${from}; it cannot become ${to}${reason ? ` (${reason})` : ''}.`, { extensions: { from, to } });
  }
}

/** A cancel arrived before the delivery was recorded: it will never exist. */
export class DeliveryGone extends Gone {
  constructor(id: string, cancelledAt: string) {
    super(`Delivery ${id} was cancelled before it was scheduled.`, { slug: 'cancelled-before-scheduled', extensions: { cancelledAt } });
  }
}

function requireDelivery(id: string, record: DeliveryRecord | undefined): StoredDelivery {
  if (!record) throw new NotFound(`There is no delivery ${id}.`);
  if (record.kind !== 'delivery') throw new DeliveryGone(id, record.cancelledAt);
  return record;
}

/** A delivery with its drone assigned; one still `Requested` or `Rejected` cannot take this command. */
function requireScheduled(id: string, record: DeliveryRecord | undefined, to: DeliveryStage): ScheduledDelivery {
  const delivery = requireDelivery(id, record);
  if (!delivery.assignment) throw new InvalidTransition(id, delivery.stage, to, 'no drone is assigned to it');
  return delivery as ScheduledDelivery;
}

/** A stored delivery with a drone assigned. */
export type ScheduledDelivery = StoredDelivery & { assignment: DroneAssignment };

export function monthOf(instant: string): string {
  return instant.slice(0, 7);
}

function departure(assignment: DroneAssignment): string {
  return (assignment.route[0] as { at: string }).at;
}

function where(assignment: DroneAssignment, instant: string): Coordinates {
  return positionAt(assignment.route, Date.parse(instant));
}

/**
 * Where time has taken a delivery since its stage was last recorded: the drone leaves its
 * base at the route's first waypoint (HeadedToPickup) and picks up at pickupEta
 * (HeadedToDropoff). Returns the current stage and the events not yet recorded.
 */
export function progress(delivery: StoredDelivery, now: Date): { stage: DeliveryStage; pending: TrackingEvent[] } {
  const pending: TrackingEvent[] = [];
  let stage = delivery.stage;
  if (!delivery.assignment) return { stage, pending };
  const milestones: [DeliveryStage, string][] = [
    ['HeadedToPickup', departure(delivery.assignment)],
    ['HeadedToDropoff', delivery.assignment.pickupEta],
  ];
  for (const [next, at] of milestones) {
    if (canMove(stage, next) && Date.parse(at) <= now.getTime()) {
      pending.push({ stage: next, at, location: where(delivery.assignment, at) });
      stage = next;
    }
  }
  return { stage, pending };
}

/** The details every stored delivery carries, as a command's input gives them. */
function detailsOf(source: DeliveryDetails | StoredDelivery) {
  return {
    ownerId: source.ownerId,
    pickup: source.pickup,
    dropoff: source.dropoff,
    pickupTime: source.pickupTime,
    deadline: source.deadline ?? null,
    expedited: source.expedited,
    confirmationRequired: source.confirmationRequired,
    packageId: source.packageId,
  };
}

/** What a PUT says about a delivery; an identical PUT is a repeat, a different one a conflict. */
function scheduleOf(source: DeliveryCreate | StoredDelivery) {
  return { ...detailsOf(source), assignment: source.assignment };
}

/** The workflow records a delivery under the owner who asked for it; another owner's write is a conflict. */
function requireSameOwner(id: string, existing: StoredDelivery, ownerId: string): void {
  if (existing.ownerId !== ownerId) throw new Conflict(`Delivery ${id} belongs to another owner.`);
}

/** The first record of a delivery the workflow has not scheduled: `Requested` with a reason, or `Rejected`. */
function unscheduled(
  id: string,
  input: DeliveryDetails & { requestedAt: string; reason: string; message: string; droneExpectedAt?: string | undefined },
  stage: 'Requested' | 'Rejected',
  at: string,
): StoredDelivery {
  return {
    kind: 'delivery',
    id,
    ...detailsOf(input),
    assignment: null,
    stage,
    reason: input.reason,
    message: input.message,
    ...(input.droneExpectedAt ? { droneExpectedAt: input.droneExpectedAt } : {}),
    createdAt: input.requestedAt,
    updatedAt: at,
    notifyRequests: [],
  };
}

const listing = (ownerId: string, createdAt: string) => ({ ownerId, at: Date.parse(createdAt) });

/**
 * PUT: schedule a delivery. Repeating it exactly is a no-op; a delivery still `Requested`
 * (or `Rejected` and re-driven) becomes `Created`; anything else that exists conflicts.
 */
export function schedule(
  id: string,
  input: DeliveryCreate,
  existing: DeliveryRecord | undefined,
  now: Date,
): Decision<{ created: boolean; delivery: ScheduledDelivery }> {
  if (existing?.kind === 'cancelled-before-scheduled')
    throw new InvalidTransition(id, 'Cancelled', 'Created', 'it was cancelled before it was scheduled');
  const at = now.toISOString();
  if (existing?.assignment) {
    if (JSON.stringify(scheduleOf(existing)) === JSON.stringify(scheduleOf(input)))
      return { result: { created: false, delivery: existing as ScheduledDelivery } };
    throw new Conflict(`Delivery ${id} already exists with other details; reschedule it with PATCH.`);
  }
  if (existing) {
    requireSameOwner(id, existing, input.ownerId);
    if (!canMove(existing.stage, 'Created'))
      throw new InvalidTransition(id, existing.stage, 'Created', 'it was cancelled before it was scheduled');
  }
  const { reason: _reason, message: _message, droneExpectedAt: _expected, ...kept } = existing ?? ({} as Partial<StoredDelivery>);
  const createdAt = existing?.createdAt ?? input.requestedAt ?? at;
  const delivery: ScheduledDelivery = {
    ...kept,
    kind: 'delivery',
    id,
    ...scheduleOf(input),
    assignment: input.assignment,
    stage: 'Created',
    createdAt,
    updatedAt: at,
    notifyRequests: existing?.notifyRequests ?? [],
  };
  const requested: TrackingEvent[] = !existing && input.requestedAt ? [{ stage: 'Requested', at: input.requestedAt }] : [];
  return {
    result: { created: true, delivery },
    change: {
      record: delivery,
      events: [...requested, { stage: 'Created', at, location: where(input.assignment, at) }],
      notifications: [],
      index: { ownerId: input.ownerId, month: monthOf(at), op: 'add' },
      ...(existing ? (existing.stage === 'Rejected' ? { keep: true as const } : {}) : { listed: listing(input.ownerId, createdAt) }),
    },
  };
}

/**
 * PUT waiting: the request is accepted but cannot be scheduled yet (no capable drone is
 * free). It stays `Requested`, with the reason and when a drone is expected; the timeline
 * gets an event when the reason changes, not on every retry.
 */
export function wait(id: string, input: DeliveryWaiting, existing: DeliveryRecord | undefined, now: Date): Decision<StoredDelivery> {
  const at = now.toISOString();
  if (existing?.kind === 'cancelled-before-scheduled') throw new InvalidTransition(id, 'Cancelled', 'Requested');
  if (!existing) {
    const record = unscheduled(id, input, 'Requested', at);
    return {
      result: record,
      change: {
        record,
        events: [{ stage: 'Requested', at: input.requestedAt, reason: input.reason, message: input.message }],
        notifications: [],
        listed: listing(input.ownerId, record.createdAt),
      },
    };
  }
  requireSameOwner(id, existing, input.ownerId);
  if (existing.assignment || !canMove(existing.stage, 'Requested')) throw new InvalidTransition(id, existing.stage, 'Requested');
  const next: StoredDelivery = {
    ...existing,
    stage: 'Requested',
    reason: input.reason,
    message: input.message,
    ...(input.droneExpectedAt ? { droneExpectedAt: input.droneExpectedAt } : {}),
  };
  if (!input.droneExpectedAt) delete next.droneExpectedAt;
  if (JSON.stringify(next) === JSON.stringify(existing)) return { result: existing };
  const newReason = existing.stage !== 'Requested' || existing.reason !== input.reason;
  const record = { ...next, updatedAt: at };
  return {
    result: record,
    change: {
      record,
      events: newReason ? [{ stage: 'Requested', at, reason: input.reason, message: input.message }] : [],
      notifications: [],
      ...(existing.stage === 'Rejected' ? { keep: true as const } : {}),
    },
  };
}

/** PUT rejection: the workflow gave up on a request it could not schedule. Final; repeating it is a no-op. */
export function reject(
  id: string,
  input: DeliveryRejection,
  existing: DeliveryRecord | undefined,
  now: Date,
  retentionMs: number,
): Decision<StoredDelivery> {
  const at = now.toISOString();
  if (existing?.kind === 'cancelled-before-scheduled') throw new InvalidTransition(id, 'Cancelled', 'Rejected');
  const rejected: TrackingEvent = { stage: 'Rejected', at, reason: input.reason, message: input.message };
  if (!existing) {
    const record = unscheduled(id, input, 'Rejected', at);
    return {
      result: record,
      change: {
        record,
        events: [{ stage: 'Requested', at: input.requestedAt }, rejected],
        notifications: [],
        listed: listing(input.ownerId, record.createdAt),
        retainForMs: retentionMs,
      },
    };
  }
  requireSameOwner(id, existing, input.ownerId);
  if (existing.stage === 'Rejected' && existing.reason === input.reason) return { result: existing };
  if (existing.assignment || !canMove(existing.stage, 'Rejected')) throw new InvalidTransition(id, existing.stage, 'Rejected');
  const { droneExpectedAt: _expected, ...rest } = existing;
  const record: StoredDelivery = { ...rest, stage: 'Rejected', reason: input.reason, message: input.message, updatedAt: at };
  return { result: record, change: { record, events: [rejected], notifications: [], retainForMs: retentionMs } };
}

/** The stages a delivery can fail in: scheduled, not finished. */
const FLYABLE: readonly DeliveryStage[] = ['Created', 'Rescheduled', 'HeadedToPickup', 'HeadedToDropoff'];

/**
 * PUT failure: the drone flying (or booked for) a scheduled delivery failed. It ends
 * `Rejected` with the reason, where the drone was; the stages time had reached before the
 * fault come first. Like a cancel it leaves its owner's month (not billed). Repeating it is a no-op.
 */
export function fail(
  id: string,
  failure: DeliveryFailure,
  existing: DeliveryRecord | undefined,
  now: Date,
  retentionMs: number,
): Decision<StoredDelivery> {
  if (existing?.kind === 'cancelled-before-scheduled') throw new InvalidTransition(id, 'Cancelled', 'Rejected');
  const delivery = requireDelivery(id, existing);
  if (delivery.stage === 'Rejected' && delivery.reason === failure.reason) return { result: delivery };
  const scheduled = requireScheduled(id, delivery, 'Rejected');
  const { stage } = progress(scheduled, now);
  if (!FLYABLE.includes(stage)) throw new InvalidTransition(id, stage, 'Rejected', 'it is finished');
  // The stages reached before the fault, not those a later clock would add.
  const before = Math.min(Date.parse(failure.at), now.getTime());
  const { pending } = progress(scheduled, new Date(before));
  const at = now.toISOString();
  const record: StoredDelivery = {
    ...scheduled,
    stage: 'Rejected',
    reason: failure.reason,
    message: failure.message,
    stoppedAt: failure.location,
    updatedAt: at,
  };
  return {
    result: record,
    change: {
      record,
      events: [
        ...pending,
        { stage: 'Rejected', at: failure.at, location: failure.location, reason: failure.reason, message: failure.message },
      ],
      notifications: [],
      index: { ownerId: scheduled.ownerId, month: monthOf(scheduled.createdAt), op: 'remove' },
      retainForMs: retentionMs,
    },
  };
}

/**
 * POST refusals: a reschedule or cancel the workflow could not carry out, on the timeline
 * with its reason. The delivery's stage does not change. Idempotent per request id.
 */
export function refuse(
  id: string,
  refusal: DeliveryRefusal,
  existing: DeliveryRecord | undefined,
  recorded: TrackingEvent[],
  now: Date,
): Decision<void> {
  const delivery = requireDelivery(id, existing);
  const stage = refusal.action === 'reschedule' ? 'RescheduleRefused' : 'CancelRefused';
  if (recorded.some((event) => (event as StoredEvent).ref === refusal.requestId)) return { result: undefined };
  const event: StoredEvent = { stage, at: now.toISOString(), reason: refusal.reason, message: refusal.message, ref: refusal.requestId };
  return {
    result: undefined,
    change: { record: { ...delivery, updatedAt: now.toISOString() }, events: [event], notifications: [] },
  };
}

/** PATCH: reschedule, allowed until the drone has left. A patch that changes nothing records nothing. */
export function reschedule(
  id: string,
  patch: DeliveryReschedule,
  existing: DeliveryRecord | undefined,
  now: Date,
): Decision<ScheduledDelivery> {
  const delivery = requireScheduled(id, existing, 'Rescheduled');
  const { stage, pending } = progress(delivery, now);
  if (!canMove(stage, 'Rescheduled'))
    throw new InvalidTransition(
      id,
      stage,
      'Rescheduled',
      stage === 'Completed' || stage === 'Cancelled' ? undefined : 'the drone has left',
    );
  const changed: ScheduledDelivery = {
    ...delivery,
    ...(patch.pickup === undefined ? {} : { pickup: patch.pickup }),
    ...(patch.dropoff === undefined ? {} : { dropoff: patch.dropoff }),
    ...(patch.pickupTime === undefined ? {} : { pickupTime: patch.pickupTime }),
    ...(patch.deadline === undefined ? {} : { deadline: patch.deadline }),
    ...(patch.assignment === undefined ? {} : { assignment: patch.assignment }),
  };
  if (JSON.stringify(changed) === JSON.stringify(delivery)) return { result: delivery };
  const at = now.toISOString();
  const next: ScheduledDelivery = { ...changed, stage: 'Rescheduled', updatedAt: at };
  return {
    result: next,
    change: { record: next, events: [...pending, { stage: 'Rescheduled', at, location: where(next.assignment, at) }], notifications: [] },
  };
}

/** DELETE: cancel. Idempotent; a cancel before the delivery exists is remembered. */
export function cancel(id: string, existing: DeliveryRecord | undefined, now: Date, retentionMs: number): Decision<void> {
  const at = now.toISOString();
  if (!existing) {
    return {
      result: undefined,
      change: {
        record: { kind: 'cancelled-before-scheduled', id, cancelledAt: at },
        events: [],
        notifications: [],
        retainForMs: retentionMs,
      },
    };
  }
  if (existing.kind !== 'delivery') return { result: undefined };
  const { stage, pending } = progress(existing, now);
  if (stage === 'Cancelled') return { result: undefined };
  if (!canMove(stage, 'Cancelled')) throw new InvalidTransition(id, stage, 'Cancelled');
  const { reason: _reason, message: _message, droneExpectedAt: _expected, ...rest } = existing;
  const next: StoredDelivery = { ...rest, stage: 'Cancelled', updatedAt: at };
  return {
    result: undefined,
    change: {
      record: next,
      events: [...pending, { stage: 'Cancelled', at, ...(existing.assignment ? { location: where(existing.assignment, at) } : {}) }],
      notifications: [],
      // Only a scheduled delivery was counted in its owner's month.
      ...(existing.assignment ? { index: { ownerId: existing.ownerId, month: monthOf(existing.createdAt), op: 'remove' as const } } : {}),
      retainForMs: retentionMs,
    },
  };
}

function confirmationPoint(delivery: ScheduledDelivery, confirmation: Confirmation): Coordinates {
  if (typeof confirmation.geoCoordinates !== 'string') {
    const { latitude, longitude } = confirmation.geoCoordinates;
    return { latitude, longitude };
  }
  const last = delivery.assignment.route.at(-1) as Coordinates;
  return { latitude: last.latitude, longitude: last.longitude };
}

/** POST confirmations: proof of delivery completes it and notifies whoever asked. */
export function confirm(
  id: string,
  confirmation: Confirmation,
  existing: DeliveryRecord | undefined,
  now: Date,
  retentionMs: number,
): Decision<ScheduledDelivery> {
  if (existing?.kind === 'cancelled-before-scheduled') throw new InvalidTransition(id, 'Cancelled', 'Completed');
  const delivery = requireScheduled(id, existing, 'Completed');
  const { stage, pending } = progress(delivery, now);
  if (stage === 'Completed') {
    // A drone retrying the same confirmation gets the same answer; a different one conflicts.
    if (JSON.stringify(delivery.confirmation) === JSON.stringify(confirmation)) return { result: delivery };
    throw new InvalidTransition(id, 'Completed', 'Completed', 'it was already confirmed');
  }
  if (!canMove(stage, 'Completed')) {
    throw new InvalidTransition(id, stage, 'Completed', stage === 'Cancelled' ? undefined : 'the drone has not left for the pickup yet');
  }
  const at = now.toISOString();
  const next: ScheduledDelivery = { ...delivery, stage: 'Completed', confirmation, updatedAt: at };
  const notifications = delivery.notifyRequests.flatMap((request) => notificationsFor(next, request, confirmation.confirmedAt));
  return {
    result: next,
    change: {
      record: next,
      events: [...pending, { stage: 'Completed', at: confirmation.confirmedAt, location: confirmationPoint(delivery, confirmation) }],
      notifications,
      retainForMs: retentionMs,
    },
  };
}

function notificationsFor(delivery: StoredDelivery, request: NotifyMeRequest, at: string): Notification[] {
  const base = { deliveryId: delivery.id, ownerId: delivery.ownerId, stage: delivery.stage, at };
  return [
    ...(request.emailAddress ? [{ ...base, channel: 'email' as const, address: request.emailAddress }] : []),
    ...(request.sms ? [{ ...base, channel: 'sms' as const, address: request.sms }] : []),
  ];
}

export const MAX_NOTIFY_REQUESTS = 10;

const FINISHED: readonly DeliveryStage[] = ['Completed', 'Cancelled', 'Rejected'];

/** POST notifymerequests: remembered until the delivery completes (kept from `Requested` on); a repeat is a no-op. */
export function requestNotification(id: string, request: NotifyMeRequest, existing: DeliveryRecord | undefined, now: Date): Decision<void> {
  const delivery = requireDelivery(id, existing);
  const { stage } = progress(delivery, now);
  if (FINISHED.includes(stage))
    throw new Conflict(`Delivery ${id} is ${stage}; there is nothing left to notify about.`, { extensions: { stage } });
  if (delivery.notifyRequests.some((known) => JSON.stringify(known) === JSON.stringify(request))) return { result: undefined };
  if (delivery.notifyRequests.length >= MAX_NOTIFY_REQUESTS)
    throw new Conflict(`Delivery ${id} already has ${MAX_NOTIFY_REQUESTS} notify-me requests.`);
  const next: StoredDelivery = { ...delivery, notifyRequests: [...delivery.notifyRequests, request], updatedAt: now.toISOString() };
  return { result: undefined, change: { record: next, events: [], notifications: [] } };
}

/** The public view of a delivery, at the stage time has brought it to. */
export function toDelivery(id: string, record: DeliveryRecord | undefined, now: Date): Delivery {
  const delivery = requireDelivery(id, record);
  const { stage } = progress(delivery, now);
  return {
    id: delivery.id,
    ...detailsOf(delivery),
    droneId: delivery.assignment?.droneId ?? null,
    stage,
    ...(delivery.reason ? { reason: delivery.reason } : {}),
    ...(delivery.message ? { message: delivery.message } : {}),
    ...(delivery.droneExpectedAt ? { droneExpectedAt: delivery.droneExpectedAt } : {}),
    createdAt: delivery.createdAt,
    updatedAt: delivery.updatedAt,
  };
}

/** Status, computed from the assignment and the clock: never stored, never made up. */
export function statusOf(id: string, record: DeliveryRecord | undefined, now: Date): DeliveryStatus {
  const delivery = requireDelivery(id, record);
  const { stage } = progress(delivery, now);
  const why = { ...(delivery.reason ? { reason: delivery.reason } : {}), ...(delivery.message ? { message: delivery.message } : {}) };
  if (!delivery.assignment) return { stage, lastKnownLocation: null, pickupEta: null, deliveryEta: null, ...why };
  const scheduled = delivery as ScheduledDelivery;
  const { pickupEta, deliveryEta } = scheduled.assignment;
  const lastKnownLocation = scheduled.stoppedAt
    ? scheduled.stoppedAt
    : stage === 'Completed' && scheduled.confirmation
      ? confirmationPoint(scheduled, scheduled.confirmation)
      : where(scheduled.assignment, stage === 'Cancelled' ? scheduled.updatedAt : now.toISOString());
  return { stage, lastKnownLocation, pickupEta, deliveryEta, ...why };
}

/** The timeline as customers see it, without the request ids kept for idempotency. */
function publicEvent(event: StoredEvent): TrackingEvent {
  const { ref: _ref, ...shown } = event;
  return shown;
}

/** Recorded events followed by those time has produced since. */
export function eventsOf(id: string, record: DeliveryRecord | undefined, recorded: TrackingEvent[], now: Date): TrackingEvent[] {
  const delivery = requireDelivery(id, record);
  return [...recorded.map(publicEvent), ...progress(delivery, now).pending];
}

/** A list entry's public view at the stage time has brought it to; none for a cancel remembered before its delivery. */
export function listedView(record: DeliveryRecord | undefined, now: Date): Delivery | undefined {
  if (record?.kind !== 'delivery') return undefined;
  return toDelivery(record.id, record, now);
}
