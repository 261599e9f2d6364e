// The delivery service's rules, free of I/O: the stage machine, time-driven progress along
// the planned route, and what each command changes. Stores apply a Change atomically.
import type {
  Confirmation,
  Coordinates,
  Delivery,
  DeliveryCreate,
  DeliveryReschedule,
  DeliveryStage,
  DeliveryStatus,
  DroneAssignment,
  NotifyMeRequest,
  TrackingEvent,
} from '@dronedelivery/contracts';
import { positionAt } from '@dronedelivery/geo';
import { Conflict, HttpProblem, NotFound, problemType } from '@dronedelivery/service-kit';

export interface ScheduledDelivery {
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
  assignment: DroneAssignment;
  /** The stage last recorded; time may have moved the delivery on since (see progress). */
  stage: DeliveryStage;
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

export type DeliveryRecord = ScheduledDelivery | CancelledBeforeScheduled;

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
   * first such write and never restarts or removes it (later writes keep the expiry).
   */
  retainForMs?: number;
}

/** A command's answer, and the change to store (none when the command changes nothing). */
export interface Decision<T> {
  result: T;
  change?: Change;
}

const NEXT: Record<DeliveryStage, readonly DeliveryStage[]> = {
  Created: ['Rescheduled', 'HeadedToPickup', 'Cancelled'],
  Rescheduled: ['Rescheduled', 'HeadedToPickup', 'Cancelled'],
  HeadedToPickup: ['HeadedToDropoff', 'Completed', 'Cancelled'],
  HeadedToDropoff: ['Completed', 'Cancelled'],
  Completed: [],
  Cancelled: [],
};

export function canMove(from: DeliveryStage, to: DeliveryStage): boolean {
  return NEXT[from].includes(to);
}

/** 409 naming both stages, so a caller knows why and whether retrying can help. */
export class InvalidTransition extends Conflict {
  constructor(id: string, from: DeliveryStage, to: DeliveryStage, reason?: string) {
    super(`Delivery ${id} is ${from}; it cannot become ${to}${reason ? ` (${reason})` : ''}.`, { from, to });
  }
}

export class DeliveryGone extends HttpProblem {
  constructor(id: string) {
    super(410, `Delivery ${id} was cancelled before it was scheduled.`, { type: problemType('cancelled-before-scheduled') });
  }
}

function requireDelivery(id: string, record: DeliveryRecord | undefined): ScheduledDelivery {
  if (!record) throw new NotFound(`There is no delivery ${id}.`);
  if (record.kind !== 'delivery') throw new DeliveryGone(id);
  return record;
}

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
export function progress(delivery: ScheduledDelivery, now: Date): { stage: DeliveryStage; pending: TrackingEvent[] } {
  const pending: TrackingEvent[] = [];
  let stage = delivery.stage;
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

/** What a PUT says about a delivery; an identical PUT is a repeat, a different one a conflict. */
function scheduleOf(source: DeliveryCreate | ScheduledDelivery) {
  return {
    ownerId: source.ownerId,
    pickup: source.pickup,
    dropoff: source.dropoff,
    pickupTime: source.pickupTime,
    deadline: source.deadline ?? null,
    expedited: source.expedited,
    confirmationRequired: source.confirmationRequired,
    packageId: source.packageId,
    assignment: source.assignment,
  };
}

/** PUT: schedule a delivery. Repeating it exactly is a no-op; anything else that exists conflicts. */
export function schedule(
  id: string,
  input: DeliveryCreate,
  existing: DeliveryRecord | undefined,
  now: Date,
): Decision<{ created: boolean; delivery: ScheduledDelivery }> {
  if (existing?.kind === 'cancelled-before-scheduled')
    throw new InvalidTransition(id, 'Cancelled', 'Created', 'it was cancelled before it was scheduled');
  if (existing) {
    if (JSON.stringify(scheduleOf(existing)) === JSON.stringify(scheduleOf(input)))
      return { result: { created: false, delivery: existing } };
    throw new Conflict(`Delivery ${id} already exists with other details; reschedule it with PATCH.`);
  }
  const at = now.toISOString();
  const delivery: ScheduledDelivery = {
    kind: 'delivery',
    id,
    ...scheduleOf(input),
    stage: 'Created',
    createdAt: at,
    updatedAt: at,
    notifyRequests: [],
  };
  return {
    result: { created: true, delivery },
    change: {
      record: delivery,
      events: [{ stage: 'Created', at, location: where(input.assignment, at) }],
      notifications: [],
      index: { ownerId: input.ownerId, month: monthOf(at), op: 'add' },
    },
  };
}

/** PATCH: reschedule, allowed until the drone has left. A patch that changes nothing records nothing. */
export function reschedule(
  id: string,
  patch: DeliveryReschedule,
  existing: DeliveryRecord | undefined,
  now: Date,
): Decision<ScheduledDelivery> {
  const delivery = requireDelivery(id, existing);
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
  const next: ScheduledDelivery = { ...existing, stage: 'Cancelled', updatedAt: at };
  return {
    result: undefined,
    change: {
      record: next,
      events: [...pending, { stage: 'Cancelled', at, location: where(existing.assignment, at) }],
      notifications: [],
      index: { ownerId: existing.ownerId, month: monthOf(existing.createdAt), op: 'remove' },
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
  const delivery = requireDelivery(id, existing);
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

function notificationsFor(delivery: ScheduledDelivery, request: NotifyMeRequest, at: string): Notification[] {
  const base = { deliveryId: delivery.id, ownerId: delivery.ownerId, stage: delivery.stage, at };
  return [
    ...(request.emailAddress ? [{ ...base, channel: 'email' as const, address: request.emailAddress }] : []),
    ...(request.sms ? [{ ...base, channel: 'sms' as const, address: request.sms }] : []),
  ];
}

export const MAX_NOTIFY_REQUESTS = 10;

/** POST notifymerequests: remembered until the delivery completes; a repeat is a no-op. */
export function requestNotification(id: string, request: NotifyMeRequest, existing: DeliveryRecord | undefined, now: Date): Decision<void> {
  const delivery = requireDelivery(id, existing);
  const { stage } = progress(delivery, now);
  if (stage === 'Completed' || stage === 'Cancelled')
    throw new Conflict(`Delivery ${id} is ${stage}; there is nothing left to notify about.`, { stage });
  if (delivery.notifyRequests.some((known) => JSON.stringify(known) === JSON.stringify(request))) return { result: undefined };
  if (delivery.notifyRequests.length >= MAX_NOTIFY_REQUESTS)
    throw new Conflict(`Delivery ${id} already has ${MAX_NOTIFY_REQUESTS} notify-me requests.`);
  const next: ScheduledDelivery = { ...delivery, notifyRequests: [...delivery.notifyRequests, request], updatedAt: now.toISOString() };
  return { result: undefined, change: { record: next, events: [], notifications: [] } };
}

/** The public view of a delivery, at the stage time has brought it to. */
export function toDelivery(id: string, record: DeliveryRecord | undefined, now: Date): Delivery {
  const delivery = requireDelivery(id, record);
  const { stage } = progress(delivery, now);
  const { assignment, ...schedule } = scheduleOf(delivery);
  return { id: delivery.id, ...schedule, droneId: assignment.droneId, stage, createdAt: delivery.createdAt, updatedAt: delivery.updatedAt };
}

/** Status, computed from the assignment and the clock: never stored, never made up. */
export function statusOf(id: string, record: DeliveryRecord | undefined, now: Date): DeliveryStatus {
  const delivery = requireDelivery(id, record);
  const { stage } = progress(delivery, now);
  const { pickupEta, deliveryEta } = delivery.assignment;
  const lastKnownLocation =
    stage === 'Completed' && delivery.confirmation
      ? confirmationPoint(delivery, delivery.confirmation)
      : where(delivery.assignment, stage === 'Cancelled' ? delivery.updatedAt : now.toISOString());
  return { stage, lastKnownLocation, pickupEta, deliveryEta };
}

/** Recorded events followed by those time has produced since. */
export function eventsOf(id: string, record: DeliveryRecord | undefined, recorded: TrackingEvent[], now: Date): TrackingEvent[] {
  const delivery = requireDelivery(id, record);
  return [...recorded, ...progress(delivery, now).pending];
}
