// Ingestion over HTTP: what is accepted, what is refused, and what reaches the queue —
// against the in-memory queue always, BullMQ on Redis whenever REDIS_URL is set and on a Redis
// Cluster whenever REDIS_CLUSTER_URL is.
import { randomUUID } from 'node:crypto';
import { type DeliveryQueue, MemoryQueue, type QueueMessage } from '@dronedelivery/queue';
import { BullmqQueue } from '@dronedelivery/queue/bullmq';
import { deleteKeysWithPrefix, type RedisTarget, redisTargets } from '@dronedelivery/redis/testing';
import type { ServiceInstance } from '@dronedelivery/service-kit';
import { capturingLogger, startForInject, testConfig } from '@dronedelivery/service-kit/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryAcceptanceStore } from '../src/acceptances/memory.ts';
import { RedisAcceptanceStore } from '../src/acceptances/redis.ts';
import type { AcceptanceStore } from '../src/acceptances/store.ts';
import { buildApp } from '../src/app.ts';
import { configSchema } from '../src/config.ts';
import { MemoryIdempotencyStore } from '../src/idempotency/memory.ts';
import { RedisIdempotencyStore } from '../src/idempotency/redis.ts';
import type { IdempotencyStore } from '../src/idempotency/store.ts';
import { ORIGINAL_SAMPLE } from './samples.ts';

const config = { ...configSchema.parse({}), ...testConfig({ BODY_LIMIT_BYTES: 4096 }) };

interface Backend {
  queue: DeliveryQueue;
  idempotency: IdempotencyStore;
  acceptances: AcceptanceStore;
  /** Messages published so far, read without consuming them. */
  published(): Promise<number>;
  cleanup(): Promise<void>;
}

const backends: { name: string; open: (() => Promise<Backend>) | undefined }[] = [
  {
    name: 'in-memory queue',
    open: async () => {
      const queue = new MemoryQueue({ maxAttempts: 3, backoffMs: 10 });
      return {
        queue,
        idempotency: new MemoryIdempotencyStore(),
        acceptances: new MemoryAcceptanceStore(),
        published: async () => (await queue.counts()).waiting,
        cleanup: () => queue.close(),
      };
    },
  },
];
/** BullMQ, idempotency keys and acceptances on a real Redis, under a prefix of their own. */
function onRedis(target: RedisTarget): () => Promise<Backend> {
  return async () => {
    const prefix = `test-${randomUUID().slice(0, 8)}`;
    const log = capturingLogger('ingestion').log;
    const redis = { url: target.url, cluster: target.cluster };
    const queue = new BullmqQueue(
      {
        maxAttempts: 3,
        backoffMs: 10,
        redis,
        prefix,
        queueName: 'delivery-requests',
        lockDurationMs: 5_000,
        stalledIntervalMs: 5_000,
        maxStalledCount: 1,
      },
      log,
    );
    const idempotency = new RedisIdempotencyStore({ ...redis, keyPrefix: `${prefix}:idempotency:` }, log);
    const acceptances = new RedisAcceptanceStore({ ...redis, keyPrefix: `${prefix}:acceptance:` }, log);
    await queue.ready();
    return {
      queue,
      idempotency,
      acceptances,
      published: async () => (await queue.counts()).waiting,
      cleanup: async () => {
        await queue.close();
        await idempotency.close();
        await acceptances.close();
        await deleteKeysWithPrefix(target, `${prefix}:`);
        await deleteKeysWithPrefix(target, `{${prefix}}:`);
      },
    };
  };
}
backends.push(
  { name: 'BullMQ on Redis', open: redisTargets.server && onRedis(redisTargets.server) },
  { name: 'BullMQ on a Redis Cluster', open: redisTargets.cluster && onRedis(redisTargets.cluster) },
);

for (const { name, open: openBackend } of backends)
  describe.runIf(openBackend)(`ingestion on ${name}`, () => {
    const open = openBackend as () => Promise<Backend>;
    let app: ServiceInstance;
    let backend: Backend;

    beforeEach(async () => {
      backend = await open();
      app = await startForInject(await buildApp({ config, log: capturingLogger('ingestion').log, ...backend }));
    });

    afterEach(async () => {
      await app.close();
      await backend.cleanup();
    });

    const post = (payload: string | object, headers: Record<string, string> = {}) =>
      app.inject({ method: 'POST', url: '/api/deliveryrequests', payload, headers: { 'content-type': 'application/json', ...headers } });
    const sample = () => JSON.parse(ORIGINAL_SAMPLE) as Record<string, unknown>;

    it("accepts the original documentation's sample as is: 202, Location, labels placed and kept", async () => {
      const response = await post(ORIGINAL_SAMPLE);
      expect(response.statusCode).toBe(202);
      const body = response.json() as {
        deliveryId: string;
        pickupLocation: { label: string; latitude: number };
        deadline: null;
        expedited: boolean;
      };
      expect(response.headers.location).toBe(`/api/deliveries/${body.deliveryId}`);
      expect(body.pickupLocation.label).toBe('my pickup');
      expect(body.pickupLocation.latitude).toBeGreaterThan(47.4);
      expect(body).toMatchObject({
        deadline: null,
        expedited: true,
        ownerId: 'myowner',
        packageInfo: { packageId: 'mypackage', weight: 10 },
      });
      expect(await backend.published()).toBe(1);
    });

    it('puts the accepted request on the queue as a delivery message', async () => {
      const received: QueueMessage[] = [];
      backend.queue.consume(async (message) => void received.push(message), { concurrency: 1 });
      const response = await post(ORIGINAL_SAMPLE);
      const { deliveryId } = response.json() as { deliveryId: string };
      await expect.poll(() => received.length).toBe(1);
      expect(received[0]).toMatchObject({ messageId: `${deliveryId}:delivery`, type: 'delivery', deliveryId, body: response.json() });
    });

    describe('Idempotency-Key', () => {
      it('same key and body: the first answer again, and one message', async () => {
        const first = await post(ORIGINAL_SAMPLE, { 'idempotency-key': 'order-42' });
        const again = await post(ORIGINAL_SAMPLE, { 'idempotency-key': 'order-42' });
        expect(again.statusCode).toBe(202);
        expect(again.json()).toEqual(first.json());
        expect(again.headers.location).toBe(first.headers.location);
        expect(again.headers['idempotent-replayed']).toBe('true');
        expect(await backend.published()).toBe(1);
      });

      it('same key, different body: 422, and nothing more queued', async () => {
        await post(ORIGINAL_SAMPLE, { 'idempotency-key': 'order-42' });
        const changed = await post({ ...sample(), expedited: false }, { 'idempotency-key': 'order-42' });
        expect(changed.statusCode).toBe(422);
        expect(await backend.published()).toBe(1);
      });

      it('concurrent repeats of one key publish one message', async () => {
        const responses = await Promise.all(Array.from({ length: 10 }, () => post(ORIGINAL_SAMPLE, { 'idempotency-key': 'order-7' })));
        const ids = new Set(responses.filter((r) => r.statusCode === 202).map((r) => (r.json() as { deliveryId: string }).deliveryId));
        expect(ids.size).toBe(1);
        expect(responses.every((r) => r.statusCode === 202)).toBe(true);
        expect(await backend.published()).toBe(1);
      });

      it('keys belong to an owner: another owner may use the same key', async () => {
        await post(ORIGINAL_SAMPLE, { 'idempotency-key': 'k' });
        expect((await post({ ...sample(), ownerId: 'other' }, { 'idempotency-key': 'k' })).statusCode).toBe(202);
        expect(await backend.published()).toBe(2);
      });
    });

    it('reschedule and cancel: 202 with Location; a repeated cancel is one message', async () => {
      const tomorrow = new Date(Date.now() + 86_400_000);
      tomorrow.setUTCHours(9, 0, 0, 0);
      const change = await app.inject({
        method: 'PATCH',
        url: '/api/deliveryrequests/d-1',
        payload: { pickupTime: tomorrow.toISOString().replace('T09:00:00.000Z', 'T10:00:00+01:00'), dropOffLocation: 'new place' },
      });
      expect(change.statusCode).toBe(202);
      expect(change.headers.location).toBe('/api/deliveries/d-1');
      expect(change.json()).toMatchObject({
        deliveryId: 'd-1',
        pickupTime: tomorrow.toISOString(),
        dropOffLocation: { label: 'new place' },
      });
      expect((await app.inject({ method: 'DELETE', url: '/api/deliveryrequests/d-1' })).statusCode).toBe(202);
      expect((await app.inject({ method: 'DELETE', url: '/api/deliveryrequests/d-1' })).statusCode).toBe(202);
      expect(await backend.published()).toBe(2);
    });

    it('accepts what the contract allows at its limits: a 128-character package id, a pickup a year ahead', async () => {
      const response = await post({
        ...sample(),
        pickupTime: new Date(Date.now() + 360 * 86_400_000).toISOString(),
        packageInfo: { packageId: 'p'.repeat(128), size: 'Small', weight: 1, tag: 'ünïcødé ✓' },
      });
      expect(response.statusCode).toBe(202);
    });

    describe('who asked, from the first moment', () => {
      const owner = (ownerId: string) => ({
        'x-caller-subject': `dev-${ownerId}`,
        'x-caller-roles': 'customer',
        'x-caller-owner-id': ownerId,
      });

      it('records the acceptance before the 202, and keeps the first on a replay', async () => {
        const first = (await post(ORIGINAL_SAMPLE, { 'idempotency-key': 'k-1' })).json() as { deliveryId: string };
        const found = await app.inject({ method: 'GET', url: `/api/deliveryrequests/${first.deliveryId}` });
        expect(found.statusCode).toBe(200);
        const acceptance = found.json() as { acceptedAt: string; request: { deliveryId: string; ownerId: string } };
        expect(acceptance.request).toMatchObject({ deliveryId: first.deliveryId, ownerId: 'myowner' });
        await post(ORIGINAL_SAMPLE, { 'idempotency-key': 'k-1' });
        expect((await app.inject({ method: 'GET', url: `/api/deliveryrequests/${first.deliveryId}` })).json()).toEqual(acceptance);
        expect((await app.inject({ method: 'GET', url: '/api/deliveryrequests/unknown' })).statusCode).toBe(404);
      });

      it("refuses another owner's reschedule, cancel and read of a fresh request (404), queueing nothing", async () => {
        const { deliveryId } = (await post(ORIGINAL_SAMPLE)).json() as { deliveryId: string };
        const stranger = owner('someone-else');
        const attempts = [
          {
            method: 'PATCH' as const,
            url: `/api/deliveryrequests/${deliveryId}`,
            payload: { dropOffLocation: 'mine now' },
            headers: stranger,
          },
          { method: 'DELETE' as const, url: `/api/deliveryrequests/${deliveryId}`, headers: stranger },
          { method: 'GET' as const, url: `/api/deliveryrequests/${deliveryId}`, headers: stranger },
        ];
        for (const attempt of attempts) expect((await app.inject(attempt)).statusCode, attempt.method).toBe(404);
        expect(await backend.published()).toBe(1);
        expect((await app.inject({ ...attempts[1], headers: owner('myowner') } as (typeof attempts)[1])).statusCode).toBe(202);
      });
    });

    describe('bad input: 400 or 413 listing the failures, and nothing queued', () => {
      const without = (field: string) => {
        const body = sample();
        delete body[field];
        return body;
      };
      const cases: [string, string | object, string[]][] = [
        ['no ownerId', without('ownerId'), ['body.ownerId']],
        ['no pickupLocation', without('pickupLocation'), ['body.pickupLocation']],
        ['no dropOffLocation', without('dropOffLocation'), ['body.dropOffLocation']],
        ['no pickupTime', without('pickupTime'), ['body.pickupTime']],
        ['no packageInfo', without('packageInfo'), ['body.packageInfo']],
        [
          'packageInfo without its fields',
          { ...sample(), packageInfo: {} },
          ['body.packageInfo.packageId', 'body.packageInfo.size', 'body.packageInfo.weight'],
        ],
        ['an unknown package size', { ...sample(), packageInfo: { packageId: 'p', size: 'Huge', weight: 1 } }, ['body.packageInfo.size']],
        ['an unknown confirmation type', { ...sample(), confirmationRequired: 'Retina' }, ['body.confirmationRequired']],
        ['wrong types', { ...sample(), expedited: 'yes', ownerId: 5 }, ['body.expedited', 'body.ownerId']],
        ['a pickup time that is not a date', { ...sample(), pickupTime: 'tomorrow' }, ['body.pickupTime']],
        ['an empty location label', { ...sample(), pickupLocation: '' }, ['body.pickupLocation']],
        ['a weight of zero', { ...sample(), packageInfo: { packageId: 'p', size: 'Small', weight: 0 } }, ['body.packageInfo.weight']],
        ['an unknown field', { ...sample(), priority: 'high' }, ['body']],
        ['a pickup time in year 9999', { ...sample(), pickupTime: '9999-12-31T23:59:59Z' }, ['body.pickupTime']],
        [
          'a pickup time past the horizon',
          { ...sample(), pickupTime: new Date(Date.now() + 400 * 86_400_000).toISOString() },
          ['body.pickupTime'],
        ],
        [
          'an instant that an offset carries into year 10000',
          { ...sample(), pickupTime: '9999-12-31T23:30:00-01:00' },
          ['body.pickupTime'],
        ],
        [
          'a deadline before the pickup',
          {
            ...sample(),
            pickupTime: new Date(Date.now() + 7_200_000).toISOString(),
            deadline: new Date(Date.now() + 3_600_000).toISOString(),
          },
          ['body.deadline'],
        ],
        ['a deadline that has passed', { ...sample(), deadline: '2020-01-01T00:00:00Z' }, ['body.deadline']],
        [
          'a lone surrogate in a label',
          `{"ownerId":"o","pickupLocation":"bad \\ud800 label","dropOffLocation":"d","pickupTime":"2019-05-08T20:00:00Z","packageInfo":{"packageId":"p","size":"Small","weight":1}}`,
          ['body.pickupLocation'],
        ],
        [
          'a control character in a tag',
          { ...sample(), packageInfo: { packageId: 'p', size: 'Small', weight: 1, tag: 'bell\u0007' } },
          ['body.packageInfo.tag'],
        ],
        [
          'a package id over 128 characters',
          { ...sample(), packageInfo: { packageId: 'p'.repeat(129), size: 'Small', weight: 1 } },
          ['body.packageInfo.packageId'],
        ],
        ['malformed JSON', '{"ownerId": ', []],
        ['an empty body', '', []],
      ];

      it.each(cases)('%s', async (_name, payload, fields) => {
        const response = await post(payload);
        expect(response.statusCode).toBe(400);
        expect(response.headers['content-type']).toContain('application/problem+json');
        const paths = ((response.json() as { errors?: { path: string }[] }).errors ?? []).map((e) => e.path);
        for (const field of fields) expect(paths).toContain(field);
        expect(await backend.published()).toBe(0);
      });

      it('a body over the limit: 413', async () => {
        const response = await post({ ...sample(), packageInfo: { packageId: 'p', size: 'Small', weight: 1, tag: 'x'.repeat(8000) } });
        expect(response.statusCode).toBe(413);
        expect(await backend.published()).toBe(0);
      });

      it('a malformed Idempotency-Key: 400', async () => {
        expect((await post(ORIGINAL_SAMPLE, { 'idempotency-key': 'has spaces in it' })).statusCode).toBe(400);
        expect(await backend.published()).toBe(0);
      });

      it('a reschedule that changes nothing: 400', async () => {
        expect((await app.inject({ method: 'PATCH', url: '/api/deliveryrequests/d-1', payload: {} })).statusCode).toBe(400);
        expect(await backend.published()).toBe(0);
      });
    });

    it('counts accepted and refused requests in /metrics', async () => {
      await post(ORIGINAL_SAMPLE);
      await post('{');
      const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(text).toMatch(/ingestion_accepted_total\{[^}]*type="delivery"[^}]*\} 1/);
      expect(text).toMatch(/ingestion_rejected_total\{[^}]*reason="invalid"[^}]*\} 1/);
      expect(text).toContain('ingestion_publish_duration_seconds_count');
    });
  });
