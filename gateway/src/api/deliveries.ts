// Deliveries: read from the delivery service (or, until the workflow has recorded one, from
// ingestion's record of the request), confirmed by drones, watched by their owners.
import { callOf, deliveryRoutes, gatewayRoutes } from '@dronedelivery/contracts';
import { Forbidden, isOperator, requireOwner, requireRole, type ServiceInstance, serve } from '@dronedelivery/service-kit';
import { listVisibleDeliveries } from '../delivery-list.ts';
import { acceptedEvents, acceptedStatus, findDelivery, findQueued, recordQueued, viewOf } from '../delivery-views.ts';
import { call, forward, forwardedHeaders, relay } from '../upstreams.ts';
import { type ApiContext, callerOf, problems } from './context.ts';

export function registerDeliveries(api: ServiceInstance, { upstreams }: ApiContext): void {
  serve(api, gatewayRoutes.listDeliveries, problems, async (request) => {
    const caller = callerOf(request);
    const { ownerId } = request.query;
    if (!isOperator(caller)) {
      if (!caller.ownerId) throw new Forbidden('Only customers and operators list deliveries.');
      if (ownerId !== undefined) requireOwner(caller, ownerId);
    }
    const query = { ...request.query, ...(isOperator(caller) ? {} : { ownerId: caller.ownerId }) };
    return listVisibleDeliveries(upstreams, request, caller, query);
  });

  serve(api, gatewayRoutes.deliverySummary, problems, async (request, reply) => {
    const caller = callerOf(request);
    requireOwner(caller, request.query.ownerId);
    return forward(reply, upstreams.delivery, request, caller, callOf(deliveryRoutes.summary, { query: request.query }));
  });

  // The delivery as its owner sees it from the 202 on; another owner's is 404, like one that does not exist.
  serve(api, gatewayRoutes.delivery, problems, async (request) =>
    viewOf(await findDelivery(upstreams, request, callerOf(request), request.params.id)),
  );

  // One upstream call per read: the delivery service answers only a caller who may see the
  // delivery (it reads the forwarded identity; another owner's is 404). Only a delivery it does
  // not have yet takes a second call, to ingestion's record of the request.
  serve(api, gatewayRoutes.deliveryStatus, problems, async (request, reply) => {
    const caller = callerOf(request);
    const { id } = request.params;
    const response = await call(upstreams.delivery, callOf(deliveryRoutes.status, { params: { id } }), {
      headers: forwardedHeaders(request, caller),
    });
    return response.status === 200 ? relay(reply, response) : acceptedStatus(await findQueued(upstreams, request, caller, id, response));
  });

  serve(api, gatewayRoutes.deliveryEvents, problems, async (request, reply) => {
    const caller = callerOf(request);
    const { id } = request.params;
    const response = await call(upstreams.delivery, callOf(deliveryRoutes.events, { params: { id } }), {
      headers: forwardedHeaders(request, caller),
    });
    return response.status === 200 ? relay(reply, response) : acceptedEvents(await findQueued(upstreams, request, caller, id, response));
  });

  serve(api, gatewayRoutes.confirmDelivery, problems, async (request, reply) => {
    const caller = callerOf(request);
    requireRole(caller, 'drone', 'operator');
    return forward(
      reply,
      upstreams.delivery,
      request,
      caller,
      callOf(deliveryRoutes.confirm, { params: request.params, body: request.body }),
    );
  });

  serve(api, gatewayRoutes.notifyMe, problems, async (request, reply) => {
    const caller = callerOf(request);
    requireRole(caller, 'customer', 'operator');
    const found = await findDelivery(upstreams, request, caller, request.params.id);
    // Still on the queue: record it as Requested first, so the request has a delivery to wait on.
    if (found.source === 'acceptance' && !found.cancelledAt) await recordQueued(upstreams, request, caller, found.acceptance);
    return forward(
      reply,
      upstreams.delivery,
      request,
      caller,
      callOf(deliveryRoutes.notifyMe, { params: request.params, body: request.body }),
    );
  });
}
