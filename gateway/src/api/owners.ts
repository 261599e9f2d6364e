// An owner's packages and month: package summaries, drone utilization, and the invoice that
// assembles the month from three services.
import { callOf, deliveryRoutes, droneRoutes, gatewayRoutes, packageRoutes } from '@dronedelivery/contracts';
import { canSeeOwner, NotFound, requireOwner, type ServiceInstance, serve } from '@dronedelivery/service-kit';
import { call, forward, forwardedHeaders } from '../upstreams.ts';
import { type ApiContext, callerOf, problems } from './context.ts';
import { type Parts, partsWithin } from './parts.ts';

export function registerOwners(api: ServiceInstance, { upstreams, partTimeoutMs }: ApiContext): void {
  serve(api, gatewayRoutes.packageSummary, problems, async (request, reply) => {
    const caller = callerOf(request);
    requireOwner(caller, request.params.ownerId);
    return forward(
      reply,
      upstreams.package,
      request,
      caller,
      callOf(packageRoutes.summary, { params: request.params, query: request.query }),
    );
  });

  serve(api, gatewayRoutes.package, problems, async (request) => {
    const caller = callerOf(request);
    const response = await call(upstreams.package, callOf(packageRoutes.get, { params: request.params }), {
      headers: forwardedHeaders(request, caller),
    });
    if (response.status === 200 && canSeeOwner(caller, response.body.ownerId)) return response.body;
    throw new NotFound(`There is no package ${request.params.id}.`);
  });

  serve(api, gatewayRoutes.utilization, problems, async (request, reply) => {
    const caller = callerOf(request);
    requireOwner(caller, request.query.ownerId);
    return forward(reply, upstreams.dronescheduler, request, caller, callOf(droneRoutes.utilization, { query: request.query }));
  });

  serve(api, gatewayRoutes.invoice, problems, async (request) => {
    const caller = callerOf(request);
    const { ownerId } = request.params;
    requireOwner(caller, ownerId);
    const { year, month } = request.query;
    const parts: Parts = partsWithin(partTimeoutMs, forwardedHeaders(request, caller));
    const [deliveries, packages, utilization] = await Promise.all([
      parts.read('deliveries', upstreams.delivery, callOf(deliveryRoutes.summary, { query: { ownerId, year, month } })),
      parts.read('packages', upstreams.package, callOf(packageRoutes.summary, { params: { ownerId }, query: { year, month } })),
      parts.read('utilization', upstreams.dronescheduler, callOf(droneRoutes.utilization, { query: { ownerId, year, month } })),
    ]);
    // No drone deliveries in the month: nothing flown, not a missing part.
    const usage = 'value' in utilization ? (utilization.value ?? { traveledMiles: 0, assignedHours: 0 }) : null;
    const deliveryCount = parts.value(deliveries);
    const packageTotals = parts.value(packages);
    return {
      ownerId,
      year,
      month,
      deliveries: deliveryCount ? { count: deliveryCount.count } : null,
      packages: packageTotals ? { count: packageTotals.count, totalWeight: packageTotals.totalWeight } : null,
      utilization: usage ? { traveledMiles: usage.traveledMiles, assignedHours: usage.assignedHours } : null,
      warnings: parts.warnings(deliveries, packages, utilization),
    };
  });
}
