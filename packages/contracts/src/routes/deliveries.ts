// The delivery service's routes.
import { z } from 'zod';
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
  TrackingEvent,
} from '../deliveries.ts';
import { route } from './route.ts';

export const deliveryRoutes = {
  schedule: route('PUT', '/api/deliveries/:id', {
    summary: 'Schedule a delivery with its drone assignment (internal). 201 created; 200 for an identical repeat.',
    tags: ['internal'],
    params: DeliveryIdParams,
    body: DeliveryCreate,
    response: { 200: Delivery, 201: Delivery },
  }),
  wait: route('PUT', '/api/deliveries/:id/waiting', {
    summary: 'Record an accepted request that cannot be scheduled yet, and why (internal).',
    tags: ['internal'],
    params: DeliveryIdParams,
    body: DeliveryWaiting,
    response: { 200: Delivery },
  }),
  reject: route('PUT', '/api/deliveries/:id/rejection', {
    summary: 'Record that the workflow gave up on a request, with the reason (internal). Idempotent.',
    tags: ['internal'],
    params: DeliveryIdParams,
    body: DeliveryRejection,
    response: { 200: Delivery },
  }),
  refuse: route('POST', '/api/deliveries/:id/refusals', {
    summary: 'Record a reschedule or cancel that was not carried out, with the reason (internal). Idempotent per requestId.',
    tags: ['internal'],
    params: DeliveryIdParams,
    body: DeliveryRefusal,
    response: { 204: z.null() },
  }),
  reschedule: route('PATCH', '/api/deliveries/:id', {
    summary: 'Reschedule a delivery before its drone leaves (internal).',
    tags: ['internal'],
    params: DeliveryIdParams,
    body: DeliveryReschedule,
    response: { 200: Delivery },
  }),
  cancel: route('DELETE', '/api/deliveries/:id', {
    summary: 'Cancel a delivery (internal). Idempotent; a cancel that arrives before the delivery is remembered.',
    tags: ['internal'],
    params: DeliveryIdParams,
    response: { 204: z.null() },
  }),
  list: route('GET', '/api/deliveries', {
    summary: "Deliveries, newest first, a page at a time: one owner's, or (operators) everyone's.",
    tags: ['public'],
    querystring: DeliveryListQuery,
    response: { 200: DeliveryPage },
  }),
  summary: route('GET', '/api/deliveries/summary', {
    summary: 'Number of deliveries an owner scheduled in a calendar month (UTC) and did not cancel.',
    tags: ['public'],
    querystring: DeliverySummaryQuery,
    response: { 200: DeliverySummary },
  }),
  get: route('GET', '/api/deliveries/:id', {
    summary: 'A delivery, at its current stage.',
    tags: ['public'],
    params: DeliveryIdParams,
    response: { 200: Delivery },
  }),
  status: route('GET', '/api/deliveries/:id/status', {
    summary: "Stage, the drone's last known location and the ETAs, computed from the drone assignment and the clock.",
    tags: ['public'],
    params: DeliveryIdParams,
    response: { 200: DeliveryStatus },
  }),
  events: route('GET', '/api/deliveries/:id/events', {
    summary: 'Tracking events, oldest first.',
    tags: ['public'],
    params: DeliveryIdParams,
    response: { 200: z.array(TrackingEvent) },
  }),
  confirm: route('POST', '/api/deliveries/:id/confirmations', {
    summary: 'Proof of delivery from the drone: completes the delivery and notifies whoever asked.',
    tags: ['public'],
    params: DeliveryIdParams,
    body: Confirmation,
    response: { 200: Delivery },
  }),
  notifyMe: route('POST', '/api/deliveries/:id/notifymerequests', {
    summary: 'Ask to be told, by e-mail and/or SMS, when the delivery is completed.',
    tags: ['public'],
    params: DeliveryIdParams,
    body: NotifyMeRequest,
    response: { 204: z.null() },
  }),
};
