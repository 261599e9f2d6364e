// HTTP routes of the delivery service: the declared routes, served by running the domain command.

import type { IncomingHttpHeaders } from 'node:http';
import { Problem, deliveryRoutes as routes } from '@dronedelivery/contracts';
import { forwardedCaller, mayAccess, NotFound, requireOwner, type ServiceInstance, serve } from '@dronedelivery/service-kit';
import { execute } from './commands.ts';
import {
  cancel,
  confirm,
  type DeliveryRecord,
  eventsOf,
  fail,
  refuse,
  reject,
  requestNotification,
  reschedule,
  schedule,
  statusOf,
  toDelivery,
  wait,
} from './domain.ts';
import { listDeliveries } from './listing.ts';
import type { DeliveryStore } from './store/store.ts';

/**
 * The record, if the caller the gateway forwarded may see it (a call from another service
 * carries no caller). Another owner's delivery is 404, like one that does not exist.
 */
function visibleTo(request: { headers: IncomingHttpHeaders }, id: string, record: DeliveryRecord | undefined): DeliveryRecord | undefined {
  if (record?.kind === 'delivery' && !mayAccess(forwardedCaller(request.headers), record.ownerId))
    throw new NotFound(`There is no delivery ${id}.`);
  return record;
}

const problems = { 400: Problem, 403: Problem, 404: Problem, 409: Problem, 410: Problem, 503: Problem };

export interface RouteOptions {
  store: DeliveryStore;
  clock: () => Date;
  retentionMs: number;
}

export function registerRoutes(app: ServiceInstance, { store, clock, retentionMs }: RouteOptions): void {
  serve(app, routes.schedule, problems, async (request, reply) => {
    const { id } = request.params;
    const now = clock();
    const { created, delivery } = await execute(store, id, (existing) => schedule(id, request.body, existing, now));
    return reply.code(created ? 201 : 200).send(toDelivery(id, delivery, now));
  });

  serve(app, routes.wait, problems, async (request) => {
    const { id } = request.params;
    const now = clock();
    return toDelivery(id, await execute(store, id, (existing) => wait(id, request.body, existing, now)), now);
  });

  serve(app, routes.reject, problems, async (request) => {
    const { id } = request.params;
    const now = clock();
    return toDelivery(id, await execute(store, id, (existing) => reject(id, request.body, existing, now, retentionMs)), now);
  });

  serve(app, routes.fail, problems, async (request) => {
    const { id } = request.params;
    const now = clock();
    return toDelivery(id, await execute(store, id, (existing) => fail(id, request.body, existing, now, retentionMs)), now);
  });

  serve(app, routes.refuse, problems, async (request, reply) => {
    const { id } = request.params;
    const now = clock();
    const recorded = await store.events(id);
    await execute(store, id, (existing) => refuse(id, request.body, existing, recorded, now));
    return reply.code(204).send(null);
  });

  serve(app, routes.reschedule, problems, async (request) => {
    const { id } = request.params;
    const now = clock();
    const delivery = await execute(store, id, (existing) => reschedule(id, request.body, existing, now));
    return toDelivery(id, delivery, now);
  });

  serve(app, routes.cancel, problems, async (request, reply) => {
    const { id } = request.params;
    const now = clock();
    await execute(store, id, (existing) => cancel(id, existing, now, retentionMs));
    return reply.code(204).send(null);
  });

  serve(app, routes.list, problems, async (request) => {
    const caller = forwardedCaller(request.headers);
    // A customer lists its own deliveries, whatever the query says; the gateway sets the same.
    const ownerId = caller && !caller.roles.has('operator') ? caller.ownerId : request.query.ownerId;
    if (caller && !caller.roles.has('operator') && ownerId === undefined) return { items: [] };
    return listDeliveries(store, { ...request.query, ownerId }, clock());
  });

  // Registered before /:id so that "summary" is never read as a delivery id.
  serve(app, routes.summary, problems, async (request) => {
    const { ownerId, year, month } = request.query;
    const caller = forwardedCaller(request.headers);
    if (caller) requireOwner(caller, ownerId);
    const count = await store.countForOwnerMonth(ownerId, `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`);
    return { ownerId, year, month, count };
  });

  serve(app, routes.get, problems, async (request) => {
    const { id } = request.params;
    return toDelivery(id, visibleTo(request, id, (await store.get(id))?.record), clock());
  });

  serve(app, routes.status, problems, async (request) => {
    const { id } = request.params;
    return statusOf(id, visibleTo(request, id, (await store.get(id))?.record), clock());
  });

  serve(app, routes.events, problems, async (request) => {
    const { id } = request.params;
    const [current, recorded] = await Promise.all([store.get(id), store.events(id)]);
    return eventsOf(id, visibleTo(request, id, current?.record), recorded, clock());
  });

  serve(app, routes.confirm, problems, async (request) => {
    const { id } = request.params;
    const now = clock();
    const delivery = await execute(store, id, (existing) => confirm(id, request.body, existing, now, retentionMs));
    return toDelivery(id, delivery, now);
  });

  serve(app, routes.notifyMe, problems, async (request, reply) => {
    const { id } = request.params;
    const now = clock();
    await execute(store, id, (existing) => requestNotification(id, request.body, visibleTo(request, id, existing), now));
    return reply.code(204).send(null);
  });
}
