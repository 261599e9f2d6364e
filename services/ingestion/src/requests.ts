// What ingestion does with a request, free of I/O: place labelled locations, fingerprint a
// request for idempotency, and build the queue message.
import { createHash, randomUUID } from 'node:crypto';
import type {
  AcceptedDeliveryRequest,
  Coordinates,
  DeliveryRequest,
  DeliveryRequestChange,
  Location,
  QueueMessage,
} from '@dronedelivery/contracts';
import { locate, type ServiceArea } from '@dronedelivery/geo';

/** A label becomes coordinates in the service area, and keeps the label. */
export function place(location: Location, area: ServiceArea): Coordinates {
  return typeof location === 'string' ? { ...locate(location, area), label: location } : location;
}

/** Identifies a request's content: the same key with another fingerprint is a misuse (422). */
export function fingerprint(method: string, path: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${path}\n${JSON.stringify(body ?? null)}`)
    .digest('base64url');
}

export function newDeliveryId(): string {
  return randomUUID();
}

export function deliveryMessage(
  deliveryId: string,
  request: DeliveryRequest,
  area: ServiceArea,
  now: Date,
): QueueMessage & { type: 'delivery' } {
  const body: AcceptedDeliveryRequest = {
    deliveryId,
    ...request,
    pickupLocation: place(request.pickupLocation, area),
    dropOffLocation: place(request.dropOffLocation, area),
    deadline: request.deadline ?? null,
  };
  return { messageId: `${deliveryId}:delivery`, type: 'delivery', deliveryId, body, enqueuedAt: now.toISOString() };
}

/** Each reschedule is its own message, unless an Idempotency-Key makes repeats one. */
export function rescheduleMessage(
  deliveryId: string,
  change: DeliveryRequestChange,
  area: ServiceArea,
  now: Date,
  idempotencyKey?: string,
): QueueMessage {
  return {
    messageId: `${deliveryId}:reschedule:${idempotencyKey ?? randomUUID()}`,
    type: 'reschedule',
    deliveryId,
    body: {
      deliveryId,
      ...(change.pickupLocation === undefined ? {} : { pickupLocation: place(change.pickupLocation, area) }),
      ...(change.dropOffLocation === undefined ? {} : { dropOffLocation: place(change.dropOffLocation, area) }),
      ...(change.pickupTime === undefined ? {} : { pickupTime: change.pickupTime }),
      ...(change.deadline === undefined ? {} : { deadline: change.deadline }),
    },
    enqueuedAt: now.toISOString(),
  };
}

/** A delivery is cancelled once: repeated cancels are one message. */
export function cancelMessage(deliveryId: string, now: Date): QueueMessage {
  return { messageId: `${deliveryId}:cancel`, type: 'cancel', deliveryId, body: { deliveryId }, enqueuedAt: now.toISOString() };
}
