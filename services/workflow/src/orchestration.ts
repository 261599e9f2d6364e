// The business flow for each message type (see "The business flow" in the architecture):
//   delivery:   package upsert → drone assignment → delivery record; while no drone is free
//               the delivery shows `Requested` (waiting-for-drone); a request that can never
//               be delivered shows `Rejected` with its reason; if the last step fails for
//               good, the drone is released (compensation).
//   reschedule: drone re-plan → delivery reschedule; a reschedule that cannot be carried out
//               is put on the delivery's timeline (RescheduleRefused) with its reason.
//   cancel:     delivery cancel (remembered even before the delivery exists) → drone release;
//               a cancel that comes too late is put on the timeline (CancelRefused).
// Every step is idempotent, so a message processed twice has no further effect. Nothing
// retries without bound: attempts for failures, an age limit for waiting.
import {
  type AcceptedDeliveryRequest,
  type AcceptedDeliveryRequestChange,
  type Delivery,
  type DroneAssignmentRequest,
  QueueMessage,
  type RefusalReason,
} from '@dronedelivery/contracts';
import { type HandlerContext, type MessageHandler, PermanentFailure, RetryLater } from '@dronedelivery/queue';
import type { Logger } from '@dronedelivery/service-kit';
import {
  asQueueOutcome,
  assignDrone,
  type Backends,
  cancelDelivery,
  createDelivery,
  findDelivery,
  getPackage,
  NoDroneYet,
  Rejection,
  recordRefusal,
  recordRejection,
  recordWaiting,
  releaseDrone,
  rescheduleDelivery,
  upsertPackage,
} from './backends.ts';
import type { DroneWaitlist } from './drone-waitlist.ts';

export type Outcome =
  | 'delivery-scheduled'
  | 'delivery-already-scheduled'
  | 'delivery-cancelled-before-scheduled'
  | 'delivery-rejected'
  | 'rescheduled'
  | 'reschedule-refused'
  | 'cancelled'
  | 'cancel-refused';

/** How long the workflow keeps trying before it gives a message up (see the config). */
export interface Limits {
  /** Waiting for a drone: then the delivery is Rejected (no-drone-available). */
  maxDroneWaitMs: number;
  /** Waiting for a backend that is down for everyone (circuit open): then the message is dead-lettered. */
  maxRetryAgeMs: number;
  /** Longest pause between two tries while waiting. */
  maxRetryDelayMs: number;
}

type Message = QueueMessage;

/** Waiting on the business, not on a failure: a drone to be free, or the delivery to be scheduled first. */
class Waiting extends RetryLater {}
/** Parked on the drone waitlist. */
class WaitingForDrone extends Waiting {}

/** Since when this message has been tried: its enqueueing, or an operator's redrive. */
function ageOf(message: Message, now: number): number {
  return now - Date.parse(message.redrivenAt ?? message.enqueuedAt);
}

function droneRequestFor(request: AcceptedDeliveryRequest): DroneAssignmentRequest {
  const { packageId, size, weight } = request.packageInfo;
  return {
    ownerId: request.ownerId,
    pickup: request.pickupLocation,
    dropoff: request.dropOffLocation,
    pickupTime: request.pickupTime,
    expedited: request.expedited,
    packageDetails: [{ id: packageId, size, weight }],
  };
}

/** Whether a rejected delivery is final for this message: it is, unless an operator re-drove the message since. */
function rejectedForThisMessage(delivery: Delivery, message: Message): boolean {
  return (
    delivery.stage === 'Rejected' && (message.redrivenAt === undefined || Date.parse(message.redrivenAt) < Date.parse(delivery.updatedAt))
  );
}

async function scheduleDelivery(
  backends: Backends,
  message: Message & { type: 'delivery' },
  context: HandlerContext,
  limits: Limits,
  waitlist: DroneWaitlist,
  log: Logger,
): Promise<Outcome> {
  const request = message.body;
  const known = await findDelivery(backends, request.deliveryId);
  if (known.state === 'present' && known.delivery.droneId !== null) return 'delivery-already-scheduled';
  if (known.state === 'cancelled-before-scheduled' || (known.state === 'present' && known.delivery.stage === 'Cancelled')) {
    await releaseDrone(backends, request.deliveryId);
    return 'delivery-cancelled-before-scheduled';
  }
  if (known.state === 'present' && rejectedForThisMessage(known.delivery, message)) return 'delivery-rejected';
  try {
    await upsertPackage(backends, request);
    const assignment = await assignOrWait(backends, message, limits, waitlist);
    return await recordScheduled(backends, message, assignment, context, log);
  } catch (error) {
    if (!(error instanceof Rejection)) throw error;
    await recordRejection(backends, request, message.enqueuedAt, error);
    log.info({ deliveryId: request.deliveryId, reason: error.reason }, 'delivery request rejected');
    return 'delivery-rejected';
  }
}

/**
 * The drone assignment; while none is free the delivery shows why it waits, and the message
 * is parked on the waitlist, which wakes it when a drone is expected back or released.
 */
async function assignOrWait(backends: Backends, message: Message & { type: 'delivery' }, limits: Limits, waitlist: DroneWaitlist) {
  const request = message.body;
  try {
    return await assignDrone(backends, request.deliveryId, droneRequestFor(request));
  } catch (error) {
    if (!(error instanceof NoDroneYet)) throw error;
    const now = Date.now();
    const deadline = request.deadline ? Date.parse(request.deadline) : Number.POSITIVE_INFINITY;
    if (ageOf(message, now) > limits.maxDroneWaitMs || now > deadline)
      throw new Rejection('no-drone-available', 'No drone that can carry this package became free in time.');
    const expected = now + error.retryAfterSeconds * 1000;
    await recordWaiting(backends, request, message.enqueuedAt, new Date(expected).toISOString());
    waitlist.noDrone(expected);
    // Parked for the longest pause, or until its time to wait is up (then it is rejected).
    const left = Math.min(limits.maxDroneWaitMs - ageOf(message, now), deadline - now);
    throw new WaitingForDrone(error.message, Math.min(limits.maxRetryDelayMs, Math.max(1_000, left + 1)));
  }
}

async function recordScheduled(
  backends: Backends,
  message: Message & { type: 'delivery' },
  assignment: Awaited<ReturnType<typeof assignDrone>>,
  context: HandlerContext,
  log: Logger,
): Promise<Outcome> {
  const request = message.body;
  try {
    if (await createDelivery(backends, request, assignment, message.enqueuedAt)) return 'delivery-scheduled';
    // A cancel overtook this delivery while it was being scheduled.
    await releaseDrone(backends, request.deliveryId);
    return 'delivery-cancelled-before-scheduled';
  } catch (error) {
    const forGood = error instanceof PermanentFailure || context.attempt >= context.maxAttempts;
    if (forGood) {
      // Compensation: the message is about to be dead-lettered; do not leave a drone booked for it.
      await releaseDrone(backends, request.deliveryId).catch((releaseError: unknown) =>
        log.error({ err: releaseError, deliveryId: request.deliveryId }, 'compensation failed: the drone is still reserved'),
      );
    }
    throw error;
  }
}

const FINISHED = ['Completed', 'Cancelled', 'Rejected'];

async function reschedule(backends: Backends, message: Message & { type: 'reschedule' }): Promise<Outcome> {
  const change: AcceptedDeliveryRequestChange = message.body;
  const refuse = async (reason: RefusalReason, text: string): Promise<Outcome> => {
    await recordRefusal(backends, change.deliveryId, { action: 'reschedule', reason, message: text, requestId: message.messageId });
    return 'reschedule-refused';
  };
  const known = await findDelivery(backends, change.deliveryId);
  if (known.state === 'cancelled-before-scheduled') return refuse('delivery-finished', 'The delivery was cancelled.');
  // Its delivery message is still on the way, or waits for a drone: come back once it is scheduled.
  if (known.state === 'absent' || (known.delivery.droneId === null && known.delivery.stage === 'Requested'))
    throw new Waiting(`delivery ${change.deliveryId} is not scheduled yet`, 2_000);
  const delivery = known.delivery;
  if (FINISHED.includes(delivery.stage)) return refuse('delivery-finished', `The delivery is ${delivery.stage}.`);
  if (delivery.stage !== 'Created' && delivery.stage !== 'Rescheduled') return refuse('drone-departed', 'The drone has already left.');

  const stored = await getPackage(backends, delivery.packageId);
  const planFor = (values: Pick<Delivery, 'pickup' | 'dropoff' | 'pickupTime'>): DroneAssignmentRequest => ({
    ownerId: delivery.ownerId,
    pickup: values.pickup,
    dropoff: values.dropoff,
    pickupTime: values.pickupTime,
    expedited: delivery.expedited,
    packageDetails: [{ id: stored.id, size: stored.size, weight: stored.weight }],
  });
  const wanted = {
    pickup: change.pickupLocation ?? delivery.pickup,
    dropoff: change.dropOffLocation ?? delivery.dropoff,
    pickupTime: change.pickupTime ?? delivery.pickupTime,
  };
  const deadline = change.deadline === undefined ? delivery.deadline : change.deadline;
  if (deadline !== null && Date.parse(deadline) <= Date.parse(wanted.pickupTime))
    return refuse('invalid-request', 'The deadline would fall before the pickup time.');
  let assignment: Awaited<ReturnType<typeof assignDrone>>;
  try {
    assignment = await assignDrone(backends, delivery.id, planFor(wanted));
  } catch (error) {
    if (error instanceof NoDroneYet)
      return refuse('no-drone-available', 'No drone that can carry it is free at the new time; the delivery keeps its plan.');
    if (error instanceof Rejection) return refuse('invalid-request', error.message);
    throw error;
  }
  const outcome = await rescheduleDelivery(backends, delivery.id, {
    ...wanted,
    ...(change.deadline === undefined ? {} : { deadline: change.deadline }),
    assignment,
  });
  if (outcome === 'too-late') {
    // The drone left between the check and the change: put the drone's plan back.
    await assignDrone(backends, delivery.id, planFor(delivery));
    return refuse('drone-departed', 'The drone left before the change could be made.');
  }
  return 'rescheduled';
}

async function cancel(backends: Backends, message: Message & { type: 'cancel' }): Promise<Outcome> {
  if ((await cancelDelivery(backends, message.deliveryId)) === 'already-finished') {
    await recordRefusal(backends, message.deliveryId, {
      action: 'cancel',
      reason: 'delivery-finished',
      message: 'The delivery was already completed or rejected.',
      requestId: message.messageId,
    });
    return 'cancel-refused';
  }
  await releaseDrone(backends, message.deliveryId);
  return 'cancelled';
}

/**
 * A message about to be dead-lettered: the customer sees it too, as a Rejected delivery or a
 * refused change with the reason dead-lettered. Best effort: the backend may be why it failed.
 */
async function tellTheCustomer(backends: Backends, message: Message, detail: string, log: Logger): Promise<void> {
  const text = `It could not be processed and waits for an operator (${detail}).`;
  try {
    if (message.type === 'delivery')
      await recordRejection(backends, message.body, message.enqueuedAt, { reason: 'dead-lettered', message: text });
    else
      await recordRefusal(backends, message.deliveryId, {
        action: message.type,
        reason: 'dead-lettered',
        message: text,
        requestId: message.messageId,
      });
  } catch (error) {
    log.warn({ deliveryId: message.deliveryId, err: (error as Error).message }, 'could not record the dead letter on the delivery');
  }
}

export interface Observer {
  onOutcome(type: string, outcome: Outcome, seconds: number): void;
  onFailure(type: string, kind: 'transient' | 'permanent' | 'delayed', seconds: number): void;
}

/** The queue handler: validates a message, runs its flow, and tells the queue what happened. */
export function createMessageHandler(
  backends: Backends,
  log: Logger,
  observer: Observer,
  limits: Limits,
  waitlist: DroneWaitlist,
): MessageHandler {
  return async (raw, context) => {
    const started = performance.now();
    const parsed = QueueMessage.safeParse(raw);
    if (!parsed.success) {
      const reasons = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'message'}: ${issue.message}`).join('; ');
      observer.onFailure((raw as { type?: string }).type ?? 'unknown', 'permanent', 0);
      throw new PermanentFailure(`invalid message: ${reasons}`);
    }
    const message = parsed.data;
    try {
      const outcome =
        message.type === 'delivery'
          ? await scheduleDelivery(backends, message, context, limits, waitlist, log)
          : message.type === 'reschedule'
            ? await reschedule(backends, message)
            : await cancel(backends, message);
      observer.onOutcome(message.type, outcome, (performance.now() - started) / 1000);
      // A drone taken or released: the next parked delivery gets its turn.
      await waitlist.freed();
      log.info(
        { messageId: message.messageId, deliveryId: message.deliveryId, type: message.type, outcome, attempt: context.attempt },
        'message processed',
      );
    } catch (error) {
      let outcome = asQueueOutcome(error);
      // Waiting costs no attempt, but it is bounded in time: past its limit the message is given up.
      const age = ageOf(message, Date.now());
      const limit = outcome instanceof Waiting ? limits.maxDroneWaitMs : limits.maxRetryAgeMs;
      if (outcome instanceof RetryLater && age > limit)
        outcome = new PermanentFailure(`gave up after ${Math.round(age / 60_000)} min: ${(error as Error).message}`);
      const kind = outcome instanceof PermanentFailure ? 'permanent' : outcome instanceof RetryLater ? 'delayed' : 'transient';
      if (!(outcome instanceof WaitingForDrone)) waitlist.failed();
      observer.onFailure(message.type, kind, (performance.now() - started) / 1000);
      log.warn(
        { messageId: message.messageId, type: message.type, attempt: context.attempt, kind, err: (error as Error).message },
        'message not processed',
      );
      const final = kind === 'permanent' || (kind === 'transient' && context.attempt >= context.maxAttempts);
      if (final) await tellTheCustomer(backends, message, (outcome as Error).message, log);
      throw outcome;
    }
  };
}
