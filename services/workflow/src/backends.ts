// Calls to the three backend services, each a resilient HttpClient (timeouts, retries,
// breaker, bulkhead), with their answers mapped to what the orchestration needs to know:
// done, not yet (retry later), rejected for good (a reason the customer sees), or a failure.
import {
  type AcceptedDeliveryRequest,
  callOf,
  type Delivery,
  type DeliveryRefusal,
  type DeliveryReschedule,
  type DroneAssignment,
  type DroneAssignmentRequest,
  deliveryRoutes,
  detailsOf,
  droneRoutes,
  NoDroneProblem,
  type Package,
  Problem,
  packageRoutes,
  problemAs,
  problemTypeOf,
  type RejectionReason,
  TransitionProblem,
} from '@dronedelivery/contracts';
import { PermanentFailure, RetryLater } from '@dronedelivery/queue';
import { type HttpClient, type HttpResponse, UpstreamError } from '@dronedelivery/service-kit';

export interface Backends {
  packages: HttpClient;
  drones: HttpClient;
  deliveries: HttpClient;
}

/**
 * A backend that is known to be unhealthy delays the message instead of spending its attempts.
 * The delay is spread over one to two times the backend's own pause: with one fixed delay a
 * whole backlog came due in the same instant, reopened the circuit at once, and left the
 * backend idle for the rest of each pause (a rolling restart settled in minutes, not seconds).
 */
export function asQueueOutcome(error: unknown, random: () => number = Math.random): unknown {
  if (error instanceof UpstreamError && (error.reason === 'circuit-open' || error.reason === 'bulkhead-full')) {
    const pause = error.retryAfterMs ?? 1_000;
    return new RetryLater(`${error.upstream}: ${error.reason}`, Math.round(pause * (1 + random())));
  }
  return error;
}

/** The workflow cannot complete this request, and retrying will not change that: the customer is told why. */
export class Rejection extends Error {
  readonly reason: RejectionReason;

  constructor(reason: RejectionReason, message: string) {
    super(message);
    this.name = 'Rejection';
    this.reason = reason;
  }
}

/** No capable drone is free yet: the dronescheduler says when one is expected back. */
export class NoDroneYet extends Error {
  readonly retryAfterSeconds: number;

  constructor(deliveryId: string, retryAfterSeconds: number) {
    super(`dronescheduler: no drone available yet for ${deliveryId}`);
    this.name = 'NoDroneYet';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

const problemOf = (response: HttpResponse) => problemAs(Problem, response.body);

function unexpected(step: string, response: HttpResponse): PermanentFailure {
  const detail = problemOf(response)?.detail ?? JSON.stringify(response.body);
  return new PermanentFailure(`${step}: ${response.status} ${detail}`);
}

export async function upsertPackage(backends: Backends, request: AcceptedDeliveryRequest): Promise<void> {
  const { packageId, size, weight, tag } = request.packageInfo;
  const response = await backends.packages.send(
    callOf(packageRoutes.upsert, {
      params: { id: packageId },
      body: { ownerId: request.ownerId, size, weight, ...(tag === undefined ? {} : { tag }) },
    }),
  );
  if (response.status === 200 || response.status === 201) return;
  if (response.status === 409)
    throw new Rejection('package-owned-by-another-owner', `Package ${packageId} belongs to another owner; choose another package id.`);
  if (response.status === 400)
    throw new Rejection('invalid-request', problemOf(response)?.detail ?? 'The package service refused the package.');
  throw unexpected('package upsert', response);
}

export async function getPackage(backends: Backends, packageId: string): Promise<Package> {
  const response = await backends.packages.send(callOf(packageRoutes.get, { params: { id: packageId } }));
  if (response.status !== 200) throw unexpected('package read', response);
  return response.body;
}

export async function assignDrone(backends: Backends, deliveryId: string, request: DroneAssignmentRequest): Promise<DroneAssignment> {
  const response = await backends.drones.send(callOf(droneRoutes.assign, { params: { deliveryId }, body: request }));
  if (response.status === 200) return response.body;
  const problem = problemOf(response);
  const noDrone = response.status === 409 ? problemAs(NoDroneProblem, response.body) : undefined;
  if (noDrone) throw new NoDroneYet(deliveryId, noDrone.retryAfterSeconds);
  if (response.status === 422 && problem?.type === problemTypeOf('no-capable-drone'))
    throw new Rejection('no-capable-drone', problem.detail ?? 'No drone in the fleet can carry this package.');
  if (response.status === 400 || response.status === 422)
    throw new Rejection('invalid-request', problem?.detail ?? 'The dronescheduler cannot plan this request.');
  throw unexpected('drone assignment', response);
}

export async function releaseDrone(backends: Backends, deliveryId: string): Promise<void> {
  const response = await backends.drones.send(callOf(droneRoutes.release, { params: { deliveryId } }));
  if (response.status !== 204) throw unexpected('drone release', response);
}

export type DeliveryLookup = { state: 'absent' } | { state: 'cancelled-before-scheduled' } | { state: 'present'; delivery: Delivery };

export async function findDelivery(backends: Backends, deliveryId: string): Promise<DeliveryLookup> {
  const response = await backends.deliveries.send(callOf(deliveryRoutes.get, { params: { id: deliveryId } }));
  if (response.status === 200) return { state: 'present', delivery: response.body };
  if (response.status === 404) return { state: 'absent' };
  if (response.status === 410) return { state: 'cancelled-before-scheduled' };
  throw unexpected('delivery read', response);
}

/** Creates the delivery record; false when a cancel got there first. */
export async function createDelivery(
  backends: Backends,
  request: AcceptedDeliveryRequest,
  assignment: DroneAssignment,
  requestedAt: string,
): Promise<boolean> {
  const response = await backends.deliveries.send(
    callOf(deliveryRoutes.schedule, { params: { id: request.deliveryId }, body: { ...detailsOf(request), assignment, requestedAt } }),
  );
  if (response.status === 200 || response.status === 201) return true;
  if (response.status === 409 && problemAs(TransitionProblem, response.body)?.from === 'Cancelled') return false;
  throw unexpected('delivery record', response);
}

/** Shows the request as waiting (for a drone), with when one is expected. */
export async function recordWaiting(
  backends: Backends,
  request: AcceptedDeliveryRequest,
  requestedAt: string,
  droneExpectedAt: string | undefined,
): Promise<void> {
  const response = await backends.deliveries.send(
    callOf(deliveryRoutes.wait, {
      params: { id: request.deliveryId },
      body: {
        ...detailsOf(request),
        requestedAt,
        reason: 'waiting-for-drone',
        message: 'Every drone that can carry this package is booked at that time; it will be scheduled when one is free.',
        ...(droneExpectedAt ? { droneExpectedAt } : {}),
      },
    }),
  );
  // 409: it was scheduled or cancelled meanwhile; the next attempt finds out which.
  if (response.status !== 200 && response.status !== 409) throw unexpected('delivery waiting', response);
}

/** Records why the request will not be delivered; false when it was scheduled or cancelled meanwhile. */
export async function recordRejection(
  backends: Backends,
  request: AcceptedDeliveryRequest,
  requestedAt: string,
  rejection: { reason: RejectionReason; message: string },
): Promise<boolean> {
  const response = await backends.deliveries.send(
    callOf(deliveryRoutes.reject, {
      params: { id: request.deliveryId },
      body: { ...detailsOf(request), requestedAt, reason: rejection.reason, message: rejection.message.slice(0, 500) },
    }),
  );
  if (response.status === 200) return true;
  if (response.status === 409) return false;
  throw unexpected('delivery rejection', response);
}

/** Puts a reschedule or cancel that was not carried out on the delivery's timeline. */
export async function recordRefusal(backends: Backends, deliveryId: string, refusal: DeliveryRefusal): Promise<void> {
  const response = await backends.deliveries.send(
    callOf(deliveryRoutes.refuse, { params: { id: deliveryId }, body: { ...refusal, message: refusal.message.slice(0, 500) } }),
    // One refusal per requestId: a repeat is harmless.
    { idempotent: true },
  );
  // 404/410: there is no delivery record to put it on (cancelled before it was scheduled).
  if (response.status !== 204 && response.status !== 404 && response.status !== 410) throw unexpected('delivery refusal', response);
}

export type RescheduleOutcome = 'rescheduled' | 'too-late';

export async function rescheduleDelivery(backends: Backends, deliveryId: string, change: DeliveryReschedule): Promise<RescheduleOutcome> {
  const response = await backends.deliveries.send(callOf(deliveryRoutes.reschedule, { params: { id: deliveryId }, body: change }));
  if (response.status === 200) return 'rescheduled';
  if (response.status === 409) return 'too-late';
  throw unexpected('delivery reschedule', response);
}

export type CancelOutcome = 'cancelled' | 'already-finished';

export async function cancelDelivery(backends: Backends, deliveryId: string): Promise<CancelOutcome> {
  const response = await backends.deliveries.send(callOf(deliveryRoutes.cancel, { params: { id: deliveryId } }));
  if (response.status === 204) return 'cancelled';
  if (response.status === 409) return 'already-finished';
  throw unexpected('delivery cancel', response);
}
