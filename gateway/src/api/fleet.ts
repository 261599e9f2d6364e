// The fleet: its view for operators and drones (also as a stream), drones reporting their
// faults — each delivery the fault ended is marked failed at the delivery service — and
// operators returning drones to service.
import {
  callOf,
  type DroneFault,
  deliveryRoutes,
  droneRoutes,
  type FaultOutcome,
  type FleetView,
  gatewayRoutes,
} from '@dronedelivery/contracts';
import { requireRole, type ServiceInstance, serve, Unavailable } from '@dronedelivery/service-kit';
import { call, forward, forwardedHeaders, relay } from '../upstreams.ts';
import { type ApiContext, callerOf, problems } from './context.ts';

/** "12:03:04 UTC": when a drone failed, as its customers read it. */
const clockTime = (instant: string) => `${new Date(instant).toISOString().slice(11, 19)} UTC`;

/** What the owner of a delivery a fault ended is told. */
export function failureMessage(droneId: string, fault: DroneFault, packageOnBoard: boolean): string {
  const { latitude, longitude } = fault.location;
  return packageOnBoard
    ? `${droneId} failed at ${clockTime(fault.at)} after the pickup; the package is with the drone at (${latitude.toFixed(5)}, ${longitude.toFixed(5)}) and will be recovered.`
    : `${droneId} failed at ${clockTime(fault.at)} before the pickup; the package was not collected — request the delivery again.`;
}

export function registerFleet(api: ServiceInstance, { upstreams, streams }: ApiContext): void {
  serve(api, gatewayRoutes.fleet, problems, async (request, reply) => {
    const caller = callerOf(request);
    requireRole(caller, 'operator', 'drone');
    return forward(reply, upstreams.dronescheduler, request, caller, callOf(droneRoutes.fleet, { query: request.query }));
  });

  serve(api, gatewayRoutes.fleetUpdates, problems, async (request, reply) => {
    const caller = callerOf(request);
    requireRole(caller, 'operator');
    const headers = forwardedHeaders(request, caller);
    return streams.stream<FleetView>(reply, caller, {
      event: 'fleet',
      async read(signal) {
        const response = await call(upstreams.dronescheduler, callOf(droneRoutes.fleet, { query: {} }), { headers, signal });
        if (response.status !== 200) throw new Unavailable(`The dronescheduler answered ${response.status} for the fleet.`, 1);
        return response.body;
      },
      // `at` is the time of the read: only the drones and the summary make a change.
      fingerprint: ({ summary, drones }) => ({ summary, drones }),
    });
  });

  // Both steps are idempotent (the dronescheduler keeps the deliveries a fault ended, and a
  // failure recorded twice is recorded once), so a client that retries after a 503 finishes the job.
  serve(api, gatewayRoutes.reportFault, problems, async (request, reply) => {
    const caller = callerOf(request);
    requireRole(caller, 'drone', 'operator');
    const { droneId } = request.params;
    const headers = forwardedHeaders(request, caller);
    const faulted = await call(upstreams.dronescheduler, callOf(droneRoutes.fault, { params: { droneId }, body: request.body }), {
      headers,
      idempotent: true,
    });
    if (faulted.status !== 200) return relay(reply, faulted);
    const outcome: FaultOutcome = faulted.body;
    const fault: DroneFault = request.body;
    const failed = await Promise.all(
      outcome.deliveries.map(async ({ deliveryId, packageOnBoard }) => {
        const body = {
          reason: 'drone-fault' as const,
          message: failureMessage(droneId, fault, packageOnBoard),
          at: fault.at,
          location: fault.location,
        };
        const response = await call(upstreams.delivery, callOf(deliveryRoutes.fail, { params: { id: deliveryId }, body }), {
          headers,
          idempotent: true,
        }).catch((error: Error) => ({ status: 503, error }));
        // 409: it finished before the fault reached it (completed or cancelled); 404: never recorded. Nothing to end.
        return [200, 404, 409].includes(response.status) ? undefined : `${deliveryId} (${response.status})`;
      }),
    );
    const unfinished = failed.filter((entry) => entry !== undefined);
    if (unfinished.length > 0)
      throw new Unavailable(
        `Drone ${droneId} is out of service, but these deliveries could not be marked failed yet: ${unfinished.join(', ')}; retry.`,
        1,
      );
    return outcome;
  });

  serve(api, gatewayRoutes.repairDrone, problems, async (request, reply) => {
    const caller = callerOf(request);
    requireRole(caller, 'operator');
    return forward(reply, upstreams.dronescheduler, request, caller, callOf(droneRoutes.repair, { params: request.params }), {
      idempotent: true,
    });
  });
}
