// HTTP routes of the delivery service: validate, run the domain command, map to HTTP.

import type { IncomingHttpHeaders } from 'node:http';
import {
  Confirmation,
  Delivery,
  DeliveryCreate,
  DeliveryIdParams,
  DeliveryListQuery,
  DeliveryPage,
  DeliveryRefusal,
  DeliveryRejection,
  DeliveryReschedule,
  DeliveryStatus,
  DeliverySummary,
  DeliverySummaryQuery,
  DeliveryWaiting,
  NotifyMeRequest,
  Problem,
  TrackingEvent,
} from '@dronedelivery/contracts';
import { forwardedCaller, mayAccess, NotFound, requireOwner, type ServiceInstance } from '@dronedelivery/service-kit';
import { z } from 'zod';
import { execute } from './commands.ts';
import {
  cancel,
  confirm,
  type DeliveryRecord,
  eventsOf,
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
  app.put(
    '/api/deliveries/:id',
    {
      schema: {
        summary: 'Schedule a delivery with its drone assignment (internal). 201 created; 200 for an identical repeat.',
        tags: ['internal'],
        params: DeliveryIdParams,
        body: DeliveryCreate,
        response: { 200: Delivery, 201: Delivery, ...problems },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const now = clock();
      const { created, delivery } = await execute(store, id, (existing) => schedule(id, request.body, existing, now));
      return reply.code(created ? 201 : 200).send(toDelivery(id, delivery, now));
    },
  );

  app.put(
    '/api/deliveries/:id/waiting',
    {
      schema: {
        summary: 'Record an accepted request that cannot be scheduled yet, and why (internal).',
        tags: ['internal'],
        params: DeliveryIdParams,
        body: DeliveryWaiting,
        response: { 200: Delivery, ...problems },
      },
    },
    async (request) => {
      const { id } = request.params;
      const now = clock();
      return toDelivery(id, await execute(store, id, (existing) => wait(id, request.body, existing, now)), now);
    },
  );

  app.put(
    '/api/deliveries/:id/rejection',
    {
      schema: {
        summary: 'Record that the workflow gave up on a request, with the reason (internal). Idempotent.',
        tags: ['internal'],
        params: DeliveryIdParams,
        body: DeliveryRejection,
        response: { 200: Delivery, ...problems },
      },
    },
    async (request) => {
      const { id } = request.params;
      const now = clock();
      return toDelivery(id, await execute(store, id, (existing) => reject(id, request.body, existing, now, retentionMs)), now);
    },
  );

  app.post(
    '/api/deliveries/:id/refusals',
    {
      schema: {
        summary: 'Record a reschedule or cancel that was not carried out, with the reason (internal). Idempotent per requestId.',
        tags: ['internal'],
        params: DeliveryIdParams,
        body: DeliveryRefusal,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const now = clock();
      const recorded = await store.events(id);
      await execute(store, id, (existing) => refuse(id, request.body, existing, recorded, now));
      return reply.code(204).send(null);
    },
  );

  app.patch(
    '/api/deliveries/:id',
    {
      schema: {
        summary: 'Reschedule a delivery before its drone leaves (internal).',
        tags: ['internal'],
        params: DeliveryIdParams,
        body: DeliveryReschedule,
        response: { 200: Delivery, ...problems },
      },
    },
    async (request) => {
      const { id } = request.params;
      const now = clock();
      const delivery = await execute(store, id, (existing) => reschedule(id, request.body, existing, now));
      return toDelivery(id, delivery, now);
    },
  );

  app.delete(
    '/api/deliveries/:id',
    {
      schema: {
        summary: 'Cancel a delivery (internal). Idempotent; a cancel that arrives before the delivery is remembered.',
        tags: ['internal'],
        params: DeliveryIdParams,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const now = clock();
      await execute(store, id, (existing) => cancel(id, existing, now, retentionMs));
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/deliveries',
    {
      schema: {
        summary: "Deliveries, newest first, a page at a time: one owner's, or (operators) everyone's.",
        tags: ['public'],
        querystring: DeliveryListQuery,
        response: { 200: DeliveryPage, ...problems },
      },
    },
    async (request) => {
      const caller = forwardedCaller(request.headers);
      // A customer lists its own deliveries, whatever the query says; the gateway sets the same.
      const ownerId = caller && !caller.roles.has('operator') ? caller.ownerId : request.query.ownerId;
      if (caller && !caller.roles.has('operator') && ownerId === undefined) return { items: [] };
      return listDeliveries(store, { ...request.query, ownerId }, clock());
    },
  );

  // Registered before /:id so that "summary" is never read as a delivery id.
  app.get(
    '/api/deliveries/summary',
    {
      schema: {
        summary: 'Number of deliveries an owner scheduled in a calendar month (UTC) and did not cancel.',
        tags: ['public'],
        querystring: DeliverySummaryQuery,
        response: { 200: DeliverySummary, ...problems },
      },
    },
    async (request) => {
      const { ownerId, year, month } = request.query;
      const caller = forwardedCaller(request.headers);
      if (caller) requireOwner(caller, ownerId);
      const count = await store.countForOwnerMonth(ownerId, `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`);
      return { ownerId, year, month, count };
    },
  );

  app.get(
    '/api/deliveries/:id',
    {
      schema: {
        summary: 'A delivery, at its current stage.',
        tags: ['public'],
        params: DeliveryIdParams,
        response: { 200: Delivery, ...problems },
      },
    },
    async (request) => {
      const { id } = request.params;
      return toDelivery(id, visibleTo(request, id, (await store.get(id))?.record), clock());
    },
  );

  app.get(
    '/api/deliveries/:id/status',
    {
      schema: {
        summary: "Stage, the drone's last known location and the ETAs, computed from the drone assignment and the clock.",
        tags: ['public'],
        params: DeliveryIdParams,
        response: { 200: DeliveryStatus, ...problems },
      },
    },
    async (request) => {
      const { id } = request.params;
      return statusOf(id, visibleTo(request, id, (await store.get(id))?.record), clock());
    },
  );

  app.get(
    '/api/deliveries/:id/events',
    {
      schema: {
        summary: 'Tracking events, oldest first.',
        tags: ['public'],
        params: DeliveryIdParams,
        response: { 200: z.array(TrackingEvent), ...problems },
      },
    },
    async (request) => {
      const { id } = request.params;
      const [current, recorded] = await Promise.all([store.get(id), store.events(id)]);
      return eventsOf(id, visibleTo(request, id, current?.record), recorded, clock());
    },
  );

  app.post(
    '/api/deliveries/:id/confirmations',
    {
      schema: {
        summary: 'Proof of delivery from the drone: completes the delivery and notifies whoever asked.',
        tags: ['public'],
        params: DeliveryIdParams,
        body: Confirmation,
        response: { 200: Delivery, ...problems },
      },
    },
    async (request) => {
      const { id } = request.params;
      const now = clock();
      const delivery = await execute(store, id, (existing) => confirm(id, request.body, existing, now, retentionMs));
      return toDelivery(id, delivery, now);
    },
  );

  app.post(
    '/api/deliveries/:id/notifymerequests',
    {
      schema: {
        summary: 'Ask to be told, by e-mail and/or SMS, when the delivery is completed.',
        tags: ['public'],
        params: DeliveryIdParams,
        body: NotifyMeRequest,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const now = clock();
      await execute(store, id, (existing) => requestNotification(id, request.body, visibleTo(request, id, existing), now));
      return reply.code(204).send(null);
    },
  );
}
