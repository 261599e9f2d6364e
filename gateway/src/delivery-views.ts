// A delivery as its owner sees it from the 202 on. The delivery service has it once the
// workflow has recorded it; before that (the request still on the queue) ingestion's record
// of what it accepted answers for it: stage Requested, or Cancelled if a cancel overtook it.
// Either record also says whose delivery it is, so ownership holds from the first moment.
import {
  CancelledBeforeScheduledProblem,
  callOf,
  type Delivery,
  type DeliveryAcceptance,
  type DeliveryStatus,
  deliveryRoutes,
  detailsOf,
  problemAs,
  requestRoutes,
  type TrackingEvent,
} from '@dronedelivery/contracts';
import { type Caller, canSeeOwner, NotFound, Unavailable } from '@dronedelivery/service-kit';
import type { FastifyRequest } from 'fastify';
import { call, forwardedHeaders, type Upstreams } from './upstreams.ts';

export type FoundDelivery =
  | { source: 'delivery'; delivery: Delivery }
  /** Not recorded by the workflow yet: what ingestion accepted (and when a cancel overtook it). */
  | { source: 'acceptance'; acceptance: DeliveryAcceptance; cancelledAt?: string };

/** The acceptance, when ingestion has one the caller may see. */
async function acceptanceOf(upstreams: Upstreams, request: FastifyRequest, caller: Caller, deliveryId: string) {
  const response = await call(upstreams.ingestion, callOf(requestRoutes.acceptance, { params: { deliveryId } }), {
    headers: forwardedHeaders(request, caller),
  });
  return response.status === 200 && canSeeOwner(caller, response.body.request.ownerId) ? response.body : undefined;
}

/**
 * The delivery if the caller may see it: another owner's is 404, like one that does not
 * exist. `delivery` is the delivery service's answer to GET /api/deliveries/{id}, when the
 * caller already asked for it (in parallel with something else).
 */
export async function findDelivery(
  upstreams: Upstreams,
  request: FastifyRequest,
  caller: Caller,
  deliveryId: string,
  delivery?: Promise<{ status: number; body: unknown }>,
): Promise<FoundDelivery> {
  const recorded = await (delivery ??
    call(upstreams.delivery, callOf(deliveryRoutes.get, { params: { id: deliveryId } }), { headers: forwardedHeaders(request, caller) }));
  if (recorded.status === 200) {
    const found = recorded.body as Delivery;
    if (canSeeOwner(caller, found.ownerId)) return { source: 'delivery', delivery: found };
    throw new NotFound(`There is no delivery ${deliveryId}.`);
  }
  return findQueued(upstreams, request, caller, deliveryId, recorded);
}

/**
 * A delivery the delivery service does not have (404), or has only as cancelled before the
 * workflow reached it (410): ingestion's record of the request, if the caller may see it.
 */
export async function findQueued(
  upstreams: Upstreams,
  request: FastifyRequest,
  caller: Caller,
  deliveryId: string,
  recorded: { status: number; body: unknown },
): Promise<Extract<FoundDelivery, { source: 'acceptance' }>> {
  if (recorded.status === 404 || recorded.status === 410) {
    const acceptance = await acceptanceOf(upstreams, request, caller, deliveryId);
    const cancelledAt = recorded.status === 410 ? problemAs(CancelledBeforeScheduledProblem, recorded.body)?.cancelledAt : undefined;
    if (acceptance) return { source: 'acceptance', acceptance, ...(cancelledAt ? { cancelledAt } : {}) };
  }
  throw new NotFound(`There is no delivery ${deliveryId}.`);
}

const QUEUED = { reason: 'queued' as const, message: 'Accepted; the workflow has not scheduled it yet.' };

/** The Delivery view of a request the workflow has not recorded yet. */
export function acceptedView(found: Extract<FoundDelivery, { source: 'acceptance' }>): Delivery {
  const { acceptance, cancelledAt } = found;
  const details = detailsOf(acceptance.request);
  return {
    id: acceptance.request.deliveryId,
    ...details,
    deadline: details.deadline ?? null,
    droneId: null,
    stage: cancelledAt ? 'Cancelled' : 'Requested',
    ...(cancelledAt ? {} : QUEUED),
    createdAt: acceptance.acceptedAt,
    updatedAt: cancelledAt ?? acceptance.acceptedAt,
  };
}

export function acceptedStatus(found: Extract<FoundDelivery, { source: 'acceptance' }>): DeliveryStatus {
  return {
    stage: found.cancelledAt ? 'Cancelled' : 'Requested',
    lastKnownLocation: null,
    pickupEta: null,
    deliveryEta: null,
    ...(found.cancelledAt ? {} : QUEUED),
  };
}

export function acceptedEvents(found: Extract<FoundDelivery, { source: 'acceptance' }>): TrackingEvent[] {
  return [
    { stage: 'Requested', at: found.acceptance.acceptedAt },
    ...(found.cancelledAt ? [{ stage: 'Cancelled' as const, at: found.cancelledAt }] : []),
  ];
}

export function viewOf(found: FoundDelivery): Delivery {
  return found.source === 'delivery' ? found.delivery : acceptedView(found);
}

/**
 * Records a request the workflow has not reached yet as a `Requested` (queued) delivery, from
 * what ingestion accepted, so that something can be attached to it now (a notify-me request).
 * The workflow schedules over it as it would over its own record; a delivery recorded or
 * cancelled meanwhile (409) is left as it is.
 */
export async function recordQueued(
  upstreams: Upstreams,
  request: FastifyRequest,
  caller: Caller,
  acceptance: DeliveryAcceptance,
): Promise<void> {
  const response = await call(
    upstreams.delivery,
    callOf(deliveryRoutes.wait, {
      params: { id: acceptance.request.deliveryId },
      body: { ...detailsOf(acceptance.request), requestedAt: acceptance.acceptedAt, ...QUEUED },
    }),
    { headers: forwardedHeaders(request, caller) },
  );
  if (response.status !== 200 && response.status !== 409)
    throw new Unavailable(
      `The delivery service could not record delivery ${acceptance.request.deliveryId} (${response.status}); retry shortly.`,
      1,
    );
}
