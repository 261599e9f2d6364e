// The business flow for each message type (see "The business flow" in the architecture):
//   delivery:   package upsert → drone assignment → delivery record; if the last step fails
//               for good, the drone is released (compensation).
//   reschedule: drone re-plan → delivery reschedule; a reschedule that came too late
//               restores the drone's original plan.
//   cancel:     delivery cancel (remembered even before the delivery exists) → drone release.
// Every step is idempotent, so a message processed twice has no further effect.
import {
  type AcceptedDeliveryRequest,
  type AcceptedDeliveryRequestChange,
  type Delivery,
  type DroneAssignmentRequest,
  QueueMessage,
} from '@dronedelivery/contracts';
import { type HandlerContext, type MessageHandler, PermanentFailure } from '@dronedelivery/queue';
import type { Logger } from '@dronedelivery/service-kit';
import {
  asQueueOutcome,
  assignDrone,
  type Backends,
  cancelDelivery,
  createDelivery,
  findDelivery,
  getPackage,
  releaseDrone,
  rescheduleDelivery,
  upsertPackage,
} from './backends.ts';

export type Outcome =
  | 'delivery-scheduled'
  | 'delivery-already-scheduled'
  | 'delivery-cancelled-before-scheduled'
  | 'rescheduled'
  | 'reschedule-too-late'
  | 'reschedule-of-finished-delivery'
  | 'cancelled'
  | 'cancel-of-completed-delivery';

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

async function scheduleDelivery(
  backends: Backends,
  request: AcceptedDeliveryRequest,
  context: HandlerContext,
  log: Logger,
): Promise<Outcome> {
  const known = await findDelivery(backends, request.deliveryId);
  if (known.state === 'present') return 'delivery-already-scheduled';
  if (known.state === 'cancelled-before-scheduled') {
    await releaseDrone(backends, request.deliveryId);
    return 'delivery-cancelled-before-scheduled';
  }
  await upsertPackage(backends, request);
  const assignment = await assignDrone(backends, request.deliveryId, droneRequestFor(request));
  try {
    if (await createDelivery(backends, request, assignment)) return 'delivery-scheduled';
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

async function reschedule(backends: Backends, change: AcceptedDeliveryRequestChange): Promise<Outcome> {
  const known = await findDelivery(backends, change.deliveryId);
  if (known.state === 'cancelled-before-scheduled') return 'reschedule-of-finished-delivery';
  if (known.state === 'absent') {
    // Its delivery message is still on the way; the queue's backoff brings this one back.
    throw new Error(`delivery ${change.deliveryId} is not scheduled yet`);
  }
  const delivery = known.delivery;
  if (delivery.stage === 'Completed' || delivery.stage === 'Cancelled') return 'reschedule-of-finished-delivery';
  if (delivery.stage !== 'Created' && delivery.stage !== 'Rescheduled') return 'reschedule-too-late';

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
  const assignment = await assignDrone(backends, delivery.id, planFor(wanted));
  const outcome = await rescheduleDelivery(backends, delivery.id, {
    ...wanted,
    ...(change.deadline === undefined ? {} : { deadline: change.deadline }),
    assignment,
  });
  if (outcome === 'too-late') {
    // The drone left between the check and the change: put the drone's plan back.
    await assignDrone(backends, delivery.id, planFor(delivery));
    return 'reschedule-too-late';
  }
  return 'rescheduled';
}

async function cancel(backends: Backends, deliveryId: string): Promise<Outcome> {
  if ((await cancelDelivery(backends, deliveryId)) === 'already-completed') return 'cancel-of-completed-delivery';
  await releaseDrone(backends, deliveryId);
  return 'cancelled';
}

export interface Observer {
  onOutcome(type: string, outcome: Outcome, seconds: number): void;
  onFailure(type: string, kind: 'transient' | 'permanent' | 'delayed', seconds: number): void;
}

/** The queue handler: validates a message, runs its flow, and tells the queue what happened. */
export function createMessageHandler(backends: Backends, log: Logger, observer: Observer): MessageHandler {
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
          ? await scheduleDelivery(backends, message.body, context, log)
          : message.type === 'reschedule'
            ? await reschedule(backends, message.body)
            : await cancel(backends, message.deliveryId);
      observer.onOutcome(message.type, outcome, (performance.now() - started) / 1000);
      log.info(
        { messageId: message.messageId, deliveryId: message.deliveryId, type: message.type, outcome, attempt: context.attempt },
        'message processed',
      );
    } catch (error) {
      const outcome = asQueueOutcome(error);
      const kind = outcome instanceof PermanentFailure ? 'permanent' : outcome !== error ? 'delayed' : 'transient';
      observer.onFailure(message.type, kind, (performance.now() - started) / 1000);
      log.warn(
        { messageId: message.messageId, type: message.type, attempt: context.attempt, kind, err: (error as Error).message },
        'message not processed',
      );
      throw outcome;
    }
  };
}
