// HTTP routes of ingestion: validate, honour the Idempotency-Key, publish, answer 202
// only once the queue has the message.
import {
  type DeliveryAcceptance,
  deliveryRoutes,
  Problem,
  pathOf,
  type QueueMessage,
  requestRoutes as routes,
} from '@dronedelivery/contracts';
import type { ServiceArea } from '@dronedelivery/geo';
import type { DeliveryQueue } from '@dronedelivery/queue';
import {
  decodeListCursor,
  encodeListCursor,
  forwardedCaller,
  isOperator,
  mayAccess,
  NotFound,
  type ServiceInstance,
  serve,
  Unprocessable,
} from '@dronedelivery/service-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type AcceptanceStore, positionOf } from './acceptances/store.ts';
import type { Acceptance, IdempotencyStore } from './idempotency/store.ts';
import { cancelMessage, deliveryMessage, fingerprint, newDeliveryId, rescheduleMessage } from './requests.ts';

const problems = { 400: Problem, 404: Problem, 409: Problem, 413: Problem, 422: Problem, 503: Problem };

/** The routes whose refusals are counted: requests, reschedules and cancels. */
const WRITES = new Set([routes.request, routes.reschedule, routes.cancel].map((route) => `${route.method} ${route.url}`));

export interface RouteOptions {
  queue: DeliveryQueue;
  idempotency: IdempotencyStore;
  acceptances: AcceptanceStore;
  area: ServiceArea;
  idempotencyTtlSeconds: number;
  acceptanceTtlSeconds: number;
  clock: () => Date;
}

/** Rejections by reason, from the status the route answered with. */
const REJECTION_REASONS: Record<number, string> = {
  400: 'invalid',
  413: 'too-large',
  415: 'media-type',
  422: 'idempotency-mismatch',
  503: 'queue-unavailable',
};

export function registerRoutes(app: ServiceInstance, options: RouteOptions): void {
  const { queue, idempotency, acceptances, area, idempotencyTtlSeconds, acceptanceTtlSeconds, clock } = options;

  /**
   * What ingestion accepted for a delivery, if the caller the gateway forwarded may see it.
   * Another owner's request is 404, like one that does not exist.
   */
  async function visibleAcceptance(request: FastifyRequest, deliveryId: string): Promise<DeliveryAcceptance | undefined> {
    const acceptance = await acceptances.find(deliveryId);
    if (acceptance && !mayAccess(forwardedCaller(request.headers), acceptance.request.ownerId))
      throw new NotFound(`There is no delivery ${deliveryId}.`);
    return acceptance;
  }
  const accepted = app.metrics.counter({
    name: 'ingestion_accepted_total',
    help: 'Requests accepted (202), by message type.',
    labelNames: ['type', 'replayed'],
  });
  const rejected = app.metrics.counter({ name: 'ingestion_rejected_total', help: 'Requests refused, by reason.', labelNames: ['reason'] });
  const publishSeconds = app.metrics.histogram({
    name: 'ingestion_publish_duration_seconds',
    help: 'Time for the queue to confirm a message.',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
  });

  app.addHook('onResponse', async (request, reply) => {
    const reason = REJECTION_REASONS[reply.statusCode];
    if (reason && WRITES.has(`${request.method} ${request.routeOptions.url}`)) rejected.inc({ reason });
  });

  /**
   * Publishes `message` and answers 202 with `body`, once per Idempotency-Key: a repeat gets
   * the first answer again, and re-publishing the first message is harmless (the queue drops
   * a message id it already has), which also covers a first attempt that died before it
   * published.
   */
  async function acceptOnce(
    reply: FastifyReply,
    key: string | undefined,
    requestFingerprint: string,
    message: QueueMessage,
    body: unknown,
  ): Promise<FastifyReply> {
    let acceptance: Acceptance = {
      fingerprint: requestFingerprint,
      message,
      response: { status: 202, location: pathOf(deliveryRoutes.get, { id: message.deliveryId }), body },
    };
    let replayed = false;
    if (key) {
      const claim = await idempotency.claim(key, acceptance, idempotencyTtlSeconds);
      if (!claim.claimed) {
        if (claim.existing.fingerprint !== requestFingerprint)
          throw new Unprocessable('This Idempotency-Key was already used with a different request.');
        acceptance = claim.existing;
        replayed = true;
      }
    }
    const stopTimer = publishSeconds.startTimer();
    try {
      const { message: accepted } = acceptance;
      // Who asked is on record before the message can be processed and before the 202.
      if (accepted.type === 'delivery')
        await acceptances.record({ acceptedAt: accepted.enqueuedAt, request: accepted.body }, acceptanceTtlSeconds);
      await queue.publish(accepted);
    } catch (error) {
      if (key && !replayed) await idempotency.release(key).catch(() => undefined);
      throw error;
    } finally {
      stopTimer();
    }
    accepted.inc({ type: acceptance.message.type, replayed: String(replayed) });
    const { status, location, body: answer } = acceptance.response;
    if (replayed) reply.header('idempotent-replayed', 'true');
    return reply.code(status).header('location', location).send(answer);
  }

  serve(app, routes.request, problems, async (request, reply) => {
    const message = deliveryMessage(newDeliveryId(), request.body, area, clock());
    const key = request.headers['idempotency-key'];
    return acceptOnce(
      reply,
      key && `owner:${request.body.ownerId}:${key}`,
      fingerprint('POST', request.url, request.body),
      message,
      message.body,
    );
  });

  serve(app, routes.reschedule, problems, async (request, reply) => {
    const { deliveryId } = request.params;
    await visibleAcceptance(request, deliveryId);
    const key = request.headers['idempotency-key'];
    const message = rescheduleMessage(deliveryId, request.body, area, clock(), key);
    return acceptOnce(
      reply,
      key && `delivery:${deliveryId}:${key}`,
      fingerprint('PATCH', request.url, request.body),
      message,
      message.body,
    );
  });

  serve(app, routes.cancel, problems, async (request, reply) => {
    await visibleAcceptance(request, request.params.deliveryId);
    const message = cancelMessage(request.params.deliveryId, clock());
    return acceptOnce(reply, undefined, '', message, message.body);
  });

  serve(app, routes.acceptance, problems, async (request) => {
    const { deliveryId } = request.params;
    const acceptance = await visibleAcceptance(request, deliveryId);
    if (!acceptance) throw new NotFound(`Ingestion has no record of a request for delivery ${deliveryId}.`);
    return acceptance;
  });

  serve(app, routes.acceptances, problems, async (request) => {
    const caller = forwardedCaller(request.headers);
    // A customer lists its own acceptances, whatever the query says; the gateway sets the same.
    const ownerId = caller && !isOperator(caller) ? caller.ownerId : request.query.ownerId;
    if (caller && !isOperator(caller) && ownerId === undefined) return { items: [] };
    const { from, to, cursor, limit } = request.query;
    const items = await acceptances.list({
      ownerId,
      after: cursor === undefined ? undefined : decodeListCursor(cursor),
      from: from === undefined ? undefined : Date.parse(from),
      to: to === undefined ? undefined : Date.parse(to),
      count: limit + 1,
    });
    const page = items.slice(0, limit);
    const last = page.at(-1);
    return { items: page, ...(items.length > limit && last ? { nextCursor: encodeListCursor(positionOf(last)) } : {}) };
  });
}
