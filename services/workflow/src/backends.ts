// Calls to the three backend services, each a resilient HttpClient (timeouts, retries,
// breaker, bulkhead), with their answers mapped to what the orchestration needs to know.
import type { AcceptedDeliveryRequest, Delivery, DroneAssignment, DroneAssignmentRequest, Package } from '@dronedelivery/contracts';
import { PermanentFailure, RetryLater } from '@dronedelivery/queue';
import { type HttpClient, type HttpResponse, UpstreamError } from '@dronedelivery/service-kit';

export interface Backends {
  packages: HttpClient;
  drones: HttpClient;
  deliveries: HttpClient;
}

/** A backend that is known to be unhealthy delays the message instead of spending its attempts. */
export function asQueueOutcome(error: unknown): unknown {
  if (error instanceof UpstreamError && (error.reason === 'circuit-open' || error.reason === 'bulkhead-full')) {
    return new RetryLater(`${error.upstream}: ${error.reason}`, error.retryAfterMs ?? 1_000);
  }
  return error;
}

function unexpected(step: string, response: HttpResponse): PermanentFailure {
  const detail = (response.body as { detail?: string } | undefined)?.detail ?? JSON.stringify(response.body);
  return new PermanentFailure(`${step}: ${response.status} ${detail}`);
}

/** Transient: try the message again later (queue backoff). */
class NotYet extends Error {}

export async function upsertPackage(backends: Backends, request: AcceptedDeliveryRequest): Promise<void> {
  const { packageId, size, weight, tag } = request.packageInfo;
  const response = await backends.packages.request({
    method: 'PUT',
    path: `/api/packages/${encodeURIComponent(packageId)}`,
    body: { ownerId: request.ownerId, size, weight, ...(tag === undefined ? {} : { tag }) },
  });
  if (response.status !== 200 && response.status !== 201) throw unexpected('package upsert', response);
}

export async function getPackage(backends: Backends, packageId: string): Promise<Package> {
  const response = await backends.packages.request<Package>({ method: 'GET', path: `/api/packages/${encodeURIComponent(packageId)}` });
  if (response.status !== 200) throw unexpected('package read', response);
  return response.body;
}

export async function assignDrone(backends: Backends, deliveryId: string, request: DroneAssignmentRequest): Promise<DroneAssignment> {
  const response = await backends.drones.request<DroneAssignment>({
    method: 'PUT',
    path: `/api/dronedeliveries/${encodeURIComponent(deliveryId)}`,
    body: request,
  });
  if (response.status === 200) return response.body;
  // 409: no drone free at that time yet; the queue's backoff brings the message back.
  if (response.status === 409) throw new NotYet(`dronescheduler: no drone available yet for ${deliveryId}`);
  throw unexpected('drone assignment', response);
}

export async function releaseDrone(backends: Backends, deliveryId: string): Promise<void> {
  const response = await backends.drones.request({ method: 'DELETE', path: `/api/dronedeliveries/${encodeURIComponent(deliveryId)}` });
  if (response.status !== 204) throw unexpected('drone release', response);
}

export type DeliveryLookup = { state: 'absent' } | { state: 'cancelled-before-scheduled' } | { state: 'present'; delivery: Delivery };

export async function findDelivery(backends: Backends, deliveryId: string): Promise<DeliveryLookup> {
  const response = await backends.deliveries.request<Delivery>({
    method: 'GET',
    path: `/api/deliveries/${encodeURIComponent(deliveryId)}`,
  });
  if (response.status === 200) return { state: 'present', delivery: response.body };
  if (response.status === 404) return { state: 'absent' };
  if (response.status === 410) return { state: 'cancelled-before-scheduled' };
  throw unexpected('delivery read', response);
}

/** Creates the delivery record; false when a cancel got there first. */
export async function createDelivery(backends: Backends, request: AcceptedDeliveryRequest, assignment: DroneAssignment): Promise<boolean> {
  const response = await backends.deliveries.request({
    method: 'PUT',
    path: `/api/deliveries/${encodeURIComponent(request.deliveryId)}`,
    body: {
      ownerId: request.ownerId,
      pickup: request.pickupLocation,
      dropoff: request.dropOffLocation,
      pickupTime: request.pickupTime,
      deadline: request.deadline,
      expedited: request.expedited,
      confirmationRequired: request.confirmationRequired,
      packageId: request.packageInfo.packageId,
      assignment,
    },
  });
  if (response.status === 200 || response.status === 201) return true;
  if (response.status === 409 && (response.body as { from?: string } | undefined)?.from === 'Cancelled') return false;
  throw unexpected('delivery record', response);
}

export type RescheduleOutcome = 'rescheduled' | 'too-late';

export async function rescheduleDelivery(
  backends: Backends,
  deliveryId: string,
  change: Record<string, unknown>,
): Promise<RescheduleOutcome> {
  const response = await backends.deliveries.request({
    method: 'PATCH',
    path: `/api/deliveries/${encodeURIComponent(deliveryId)}`,
    body: change,
  });
  if (response.status === 200) return 'rescheduled';
  if (response.status === 409) return 'too-late';
  if (response.status === 404) throw new NotYet(`delivery ${deliveryId} does not exist yet`);
  throw unexpected('delivery reschedule', response);
}

export type CancelOutcome = 'cancelled' | 'already-completed';

export async function cancelDelivery(backends: Backends, deliveryId: string): Promise<CancelOutcome> {
  const response = await backends.deliveries.request({ method: 'DELETE', path: `/api/deliveries/${encodeURIComponent(deliveryId)}` });
  if (response.status === 204) return 'cancelled';
  if (response.status === 409) return 'already-completed';
  throw unexpected('delivery cancel', response);
}
