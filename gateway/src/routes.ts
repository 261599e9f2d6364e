// The public API, exactly as api.md lists it: each route authorizes the caller, then
// forwards to the service that owns the data. Internal routes have no counterpart here.
import {
  AcceptedCancellation,
  AcceptedDeliveryRequest,
  AcceptedDeliveryRequestChange,
  Confirmation,
  Delivery,
  DeliveryIdParams,
  DeliveryListQuery,
  DeliveryPage,
  DeliveryRequest,
  DeliveryRequestChange,
  DeliveryRequestIdParams,
  DeliveryStatus,
  DeliverySummary,
  DeliverySummaryQuery,
  IdempotencyHeaders,
  MonthQuery,
  NotifyMeRequest,
  OwnerIdParams,
  Package,
  PackageIdParams,
  PackageSummary,
  Problem,
  TrackingEvent,
  Utilization,
  UtilizationQuery,
} from '@dronedelivery/contracts';
import {
  type Caller,
  canSeeOwner,
  Forbidden,
  isOperator,
  NotFound,
  requireOwner,
  requireRole,
  type ServiceInstance,
} from '@dronedelivery/service-kit';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { listVisibleDeliveries } from './delivery-list.ts';
import { acceptedEvents, acceptedStatus, findDelivery, viewOf } from './delivery-views.ts';
import { call, forward, forwardedHeaders, relay, type Upstreams } from './upstreams.ts';

export const problems = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 429: Problem, 503: Problem, 504: Problem };

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
  }
}

export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw new Error('route reached without authentication');
  return request.caller;
}

const id = (value: string) => encodeURIComponent(value);

export function registerRoutes(app: ServiceInstance, upstreams: Upstreams): void {
  /** The delivery as its owner sees it from the 202 on; another owner's is 404, like one that does not exist. */
  async function visibleDelivery(request: FastifyRequest, deliveryId: string): Promise<Delivery> {
    return viewOf(await findDelivery(upstreams, request, callerOf(request), deliveryId));
  }

  app.post(
    '/api/deliveryrequests',
    {
      schema: {
        summary: 'Ask for a delivery (customers for their own owner id; operators for any).',
        tags: ['delivery requests'],
        headers: IdempotencyHeaders,
        body: DeliveryRequest,
        response: { 202: AcceptedDeliveryRequest, 413: Problem, 422: Problem, ...problems },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      requireRole(caller, 'customer', 'operator');
      requireOwner(caller, request.body.ownerId);
      return forward(reply, upstreams.ingestion, request, caller, {
        method: 'POST',
        path: '/api/deliveryrequests',
        body: request.body,
        idempotent: Boolean(request.headers['idempotency-key']),
      });
    },
  );

  app.patch(
    '/api/deliveryrequests/:deliveryId',
    {
      schema: {
        summary: 'Reschedule one of your deliveries.',
        tags: ['delivery requests'],
        headers: IdempotencyHeaders,
        params: DeliveryRequestIdParams,
        body: DeliveryRequestChange,
        response: { 202: AcceptedDeliveryRequestChange, 422: Problem, ...problems },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      requireRole(caller, 'customer', 'operator');
      await visibleDelivery(request, request.params.deliveryId);
      return forward(reply, upstreams.ingestion, request, caller, {
        method: 'PATCH',
        path: `/api/deliveryrequests/${id(request.params.deliveryId)}`,
        body: request.body,
        idempotent: Boolean(request.headers['idempotency-key']),
      });
    },
  );

  app.delete(
    '/api/deliveryrequests/:deliveryId',
    {
      schema: {
        summary: 'Cancel one of your deliveries.',
        tags: ['delivery requests'],
        params: DeliveryRequestIdParams,
        response: { 202: AcceptedCancellation, ...problems },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      requireRole(caller, 'customer', 'operator');
      await visibleDelivery(request, request.params.deliveryId);
      return forward(reply, upstreams.ingestion, request, caller, {
        method: 'DELETE',
        path: `/api/deliveryrequests/${id(request.params.deliveryId)}`,
      });
    },
  );

  app.get(
    '/api/deliveries',
    {
      schema: {
        summary: "Your deliveries, newest first, a page at a time (operators: anyone's, or one owner's with ownerId).",
        tags: ['deliveries'],
        querystring: DeliveryListQuery,
        response: { 200: DeliveryPage, ...problems },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const { ownerId } = request.query;
      if (!isOperator(caller)) {
        if (!caller.ownerId) throw new Forbidden('Only customers and operators list deliveries.');
        if (ownerId !== undefined) requireOwner(caller, ownerId);
      }
      const query = { ...request.query, ...(isOperator(caller) ? {} : { ownerId: caller.ownerId }) };
      return listVisibleDeliveries(upstreams, request, caller, query);
    },
  );

  app.get(
    '/api/deliveries/summary',
    {
      schema: {
        summary: 'Deliveries an owner scheduled in a month.',
        tags: ['deliveries'],
        querystring: DeliverySummaryQuery,
        response: { 200: DeliverySummary, ...problems },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      requireOwner(caller, request.query.ownerId);
      return forward(reply, upstreams.delivery, request, caller, { method: 'GET', path: '/api/deliveries/summary', query: request.query });
    },
  );

  app.get(
    '/api/deliveries/:id',
    {
      schema: {
        summary: 'One of your deliveries.',
        tags: ['deliveries'],
        params: DeliveryIdParams,
        response: { 200: Delivery, ...problems },
      },
    },
    async (request) => visibleDelivery(request, request.params.id),
  );

  for (const [suffix, schema, summary] of [
    ['status', DeliveryStatus, "Stage, the drone's last known location and the ETAs."],
    ['events', z.array(TrackingEvent), 'Tracking events, oldest first.'],
  ] as const) {
    app.get(
      `/api/deliveries/:id/${suffix}`,
      { schema: { summary, tags: ['deliveries'], params: DeliveryIdParams, response: { 200: schema, ...problems } } },
      async (request, reply) => {
        const caller = callerOf(request);
        const headers = forwardedHeaders(request, caller);
        // Ownership and the answer in parallel: one round trip of latency.
        const [found, response] = await Promise.all([
          findDelivery(upstreams, request, caller, request.params.id),
          call(upstreams.delivery, { method: 'GET', path: `/api/deliveries/${id(request.params.id)}/${suffix}`, headers }),
        ]);
        if (found.source === 'delivery') return relay(reply, response);
        return suffix === 'status' ? acceptedStatus(found) : acceptedEvents(found);
      },
    );
  }

  app.post(
    '/api/deliveries/:id/confirmations',
    {
      schema: {
        summary: 'Proof of delivery (drones and operators).',
        tags: ['deliveries'],
        params: DeliveryIdParams,
        body: Confirmation,
        response: { 200: Delivery, ...problems },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      requireRole(caller, 'drone', 'operator');
      return forward(reply, upstreams.delivery, request, caller, {
        method: 'POST',
        path: `/api/deliveries/${id(request.params.id)}/confirmations`,
        body: request.body,
      });
    },
  );

  app.post(
    '/api/deliveries/:id/notifymerequests',
    {
      schema: {
        summary: 'Be told when one of your deliveries is completed.',
        tags: ['deliveries'],
        params: DeliveryIdParams,
        body: NotifyMeRequest,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      requireRole(caller, 'customer', 'operator');
      await visibleDelivery(request, request.params.id);
      return forward(reply, upstreams.delivery, request, caller, {
        method: 'POST',
        path: `/api/deliveries/${id(request.params.id)}/notifymerequests`,
        body: request.body,
      });
    },
  );

  app.get(
    '/api/packages/summary/:ownerId',
    {
      schema: {
        summary: "Number and weight of an owner's packages in a month.",
        tags: ['packages'],
        params: OwnerIdParams,
        querystring: MonthQuery,
        response: { 200: PackageSummary, ...problems },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      requireOwner(caller, request.params.ownerId);
      return forward(reply, upstreams.package, request, caller, {
        method: 'GET',
        path: `/api/packages/summary/${id(request.params.ownerId)}`,
        query: request.query,
      });
    },
  );

  app.get(
    '/api/packages/:id',
    { schema: { summary: 'One of your packages.', tags: ['packages'], params: PackageIdParams, response: { 200: Package, ...problems } } },
    async (request) => {
      const caller = callerOf(request);
      const response = await call<Package>(upstreams.package, {
        method: 'GET',
        path: `/api/packages/${id(request.params.id)}`,
        headers: forwardedHeaders(request, caller),
      });
      if (response.status === 200 && canSeeOwner(caller, response.body.ownerId)) return response.body;
      throw new NotFound(`There is no package ${request.params.id}.`);
    },
  );

  app.get(
    '/api/dronedeliveries/utilization',
    {
      schema: {
        summary: "Drone miles and hours for an owner's month.",
        tags: ['invoicing'],
        querystring: UtilizationQuery,
        response: { 200: Utilization, ...problems },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      requireOwner(caller, request.query.ownerId);
      return forward(reply, upstreams.dronescheduler, request, caller, {
        method: 'GET',
        path: '/api/dronedeliveries/utilization',
        query: request.query,
      });
    },
  );
}
