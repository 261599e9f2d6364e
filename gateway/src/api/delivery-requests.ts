// Requests, reschedules and cancels: authorized here, accepted by ingestion.
import { callOf, gatewayRoutes, Problem, requestRoutes } from '@dronedelivery/contracts';
import { requireOwner, requireRole, type ServiceInstance, serve } from '@dronedelivery/service-kit';
import { findDelivery } from '../delivery-views.ts';
import { forward } from '../upstreams.ts';
import { type ApiContext, callerOf, problems } from './context.ts';

export function registerDeliveryRequests(api: ServiceInstance, { upstreams }: ApiContext): void {
  serve(api, gatewayRoutes.requestDelivery, { ...problems, 413: Problem, 422: Problem }, async (request, reply) => {
    const caller = callerOf(request);
    requireRole(caller, 'customer', 'operator');
    requireOwner(caller, request.body.ownerId);
    return forward(reply, upstreams.ingestion, request, caller, callOf(requestRoutes.request, { body: request.body }), {
      idempotent: Boolean(request.headers['idempotency-key']),
    });
  });

  serve(api, gatewayRoutes.rescheduleDelivery, { ...problems, 422: Problem }, async (request, reply) => {
    const caller = callerOf(request);
    requireRole(caller, 'customer', 'operator');
    const { deliveryId } = request.params;
    // Another owner's delivery is 404, from the 202 on.
    await findDelivery(upstreams, request, caller, deliveryId);
    return forward(
      reply,
      upstreams.ingestion,
      request,
      caller,
      callOf(requestRoutes.reschedule, { params: { deliveryId }, body: request.body }),
      {
        idempotent: Boolean(request.headers['idempotency-key']),
      },
    );
  });

  serve(api, gatewayRoutes.cancelDelivery, problems, async (request, reply) => {
    const caller = callerOf(request);
    requireRole(caller, 'customer', 'operator');
    const { deliveryId } = request.params;
    await findDelivery(upstreams, request, caller, deliveryId);
    return forward(reply, upstreams.ingestion, request, caller, callOf(requestRoutes.cancel, { params: { deliveryId } }));
  });
}
