// Ingestion's routes: delivery requests, reschedules and cancels, and what was accepted.
import {
  AcceptanceListQuery,
  AcceptancePage,
  AcceptedCancellation,
  AcceptedDeliveryRequest,
  AcceptedDeliveryRequestChange,
  DeliveryAcceptance,
  DeliveryRequest,
  DeliveryRequestChange,
  DeliveryRequestIdParams,
} from '../requests.ts';
import { IdempotencyHeaders } from '../shared.ts';
import { route } from './route.ts';

export const requestRoutes = {
  request: route('POST', '/api/deliveryrequests', {
    summary: 'Ask for a delivery. 202 once the request is safely queued; an Idempotency-Key makes repeats harmless.',
    tags: ['public'],
    headers: IdempotencyHeaders,
    body: DeliveryRequest,
    response: { 202: AcceptedDeliveryRequest },
  }),
  reschedule: route('PATCH', '/api/deliveryrequests/:deliveryId', {
    summary: 'Reschedule a delivery: new pickup or dropoff location, pickup time or deadline.',
    tags: ['public'],
    headers: IdempotencyHeaders,
    params: DeliveryRequestIdParams,
    body: DeliveryRequestChange,
    response: { 202: AcceptedDeliveryRequestChange },
  }),
  cancel: route('DELETE', '/api/deliveryrequests/:deliveryId', {
    summary: 'Cancel a delivery. Repeating a cancel is harmless.',
    tags: ['public'],
    params: DeliveryRequestIdParams,
    response: { 202: AcceptedCancellation },
  }),
  acceptance: route('GET', '/api/deliveryrequests/:deliveryId', {
    summary:
      'What was accepted for a delivery, and when (internal: the gateway authorizes and answers with it until the delivery is recorded).',
    tags: ['internal'],
    params: DeliveryRequestIdParams,
    response: { 200: DeliveryAcceptance },
  }),
  acceptances: route('GET', '/api/deliveryrequests', {
    summary:
      "Acceptances on record, newest first, a page at a time: one owner's, or everyone's (internal: the gateway lists requests the workflow has not recorded yet).",
    tags: ['internal'],
    querystring: AcceptanceListQuery,
    response: { 200: AcceptancePage },
  }),
};
