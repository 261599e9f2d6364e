// The three backend services, started in-process on loopback with their in-memory stores,
// each behind a FaultyProxy; and the workflow consuming a real queue in front of them.
import { randomUUID } from 'node:crypto';
import type { AcceptedDeliveryRequest, QueueMessage } from '@dronedelivery/contracts';
import { service as delivery } from '@dronedelivery/delivery';
import { service as dronescheduler } from '@dronedelivery/dronescheduler';
import { service as packageService } from '@dronedelivery/package';
import { type DeliveryQueue, MemoryQueue } from '@dronedelivery/queue';
import { BullmqQueue } from '@dronedelivery/queue/bullmq';
import { deleteKeysWithPrefix } from '@dronedelivery/redis/testing';
import { type BaseConfig, type ServiceInstance, type ServiceManifest, sharedResources } from '@dronedelivery/service-kit';
import { capturingLogger, startForInject, testConfig } from '@dronedelivery/service-kit/testing';
import type { z } from 'zod';
import { buildApp } from '../src/app.ts';
import { type Config, configSchema } from '../src/config.ts';
import { FaultyProxy } from './faulty-proxy.ts';

export const redisUrl = process.env.REDIS_URL;

async function listen(app: ServiceInstance): Promise<string> {
  await startForInject(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
}

export interface Harness {
  workflow: ServiceInstance;
  queue: DeliveryQueue;
  proxies: { package: FaultyProxy; delivery: FaultyProxy; dronescheduler: FaultyProxy };
  backends: { package: ServiceInstance; delivery: ServiceInstance; dronescheduler: ServiceInstance };
  /** Starts another workflow on the same queue (after the first was closed, say). */
  restartWorkflow(): Promise<ServiceInstance>;
  close(): Promise<void>;
}

export function workflowConfig(urls: Record<'package' | 'delivery' | 'dronescheduler', string>, overrides: Partial<Config> = {}): Config {
  return {
    ...configSchema.parse({}),
    ...testConfig(),
    PACKAGE_URL: urls.package,
    DELIVERY_URL: urls.delivery,
    DRONESCHEDULER_URL: urls.dronescheduler,
    WORKFLOW_CONCURRENCY: 4,
    QUEUE_MAX_ATTEMPTS: 3,
    QUEUE_BACKOFF_MS: 50,
    UPSTREAM_TIMEOUT_MS: 1_000,
    UPSTREAM_RETRIES: 2,
    UPSTREAM_RETRY_BASE_DELAY_MS: 10,
    UPSTREAM_RETRY_MAX_DELAY_MS: 50,
    UPSTREAM_BREAKER_THRESHOLD: 50,
    UPSTREAM_BREAKER_HALF_OPEN_AFTER_MS: 500,
    WORKFLOW_ADMIN_TOKEN: 'operator-token-for-tests',
    ...overrides,
  };
}

export async function startHarness(options: { bullmq: boolean; overrides?: Partial<Config> }): Promise<Harness> {
  const log = capturingLogger('harness').log;
  // Each backend from its manifest, with the in-memory adapters its default config picks.
  const shared = sharedResources();
  const build = <S extends z.ZodType<BaseConfig>>(unit: ServiceManifest<S>) =>
    unit.build({ config: { ...unit.configSchema.parse({}), ...testConfig() }, log, shared });
  const backends = {
    package: await build(packageService),
    delivery: await build(delivery),
    dronescheduler: await build(dronescheduler),
  };
  const proxies = { package: new FaultyProxy(), delivery: new FaultyProxy(), dronescheduler: new FaultyProxy() };
  const urls = {
    package: await proxies.package.start(await listen(backends.package)),
    delivery: await proxies.delivery.start(await listen(backends.delivery)),
    dronescheduler: await proxies.dronescheduler.start(await listen(backends.dronescheduler)),
  };
  const config = workflowConfig(urls, options.overrides);
  const prefix = `test-${randomUUID().slice(0, 8)}`;
  // A process restart gets a new connection to the same Redis queue; an in-memory queue
  // lives in the process, so "restarting" keeps the object (and its messages).
  const memoryQueue = new MemoryQueue({ maxAttempts: config.QUEUE_MAX_ATTEMPTS, backoffMs: config.QUEUE_BACKOFF_MS });
  const makeQueue = (): DeliveryQueue =>
    options.bullmq
      ? new BullmqQueue(
          {
            maxAttempts: config.QUEUE_MAX_ATTEMPTS,
            backoffMs: config.QUEUE_BACKOFF_MS,
            redis: { url: redisUrl as string },
            prefix,
            queueName: 'delivery-requests',
            lockDurationMs: 2_000,
            stalledIntervalMs: 1_000,
            maxStalledCount: 2,
          },
          log,
        )
      : memoryQueue;
  const open = async (queue: DeliveryQueue) => startForInject(await buildApp({ config, log: capturingLogger('workflow').log, queue }));
  const firstQueue = makeQueue();
  const harness: Harness = {
    workflow: await open(firstQueue),
    queue: firstQueue,
    proxies,
    backends,
    restartWorkflow: async () => {
      harness.queue = makeQueue();
      harness.workflow = await open(harness.queue);
      return harness.workflow;
    },
    close: async () => {
      await harness.workflow.close();
      await harness.queue.close();
      for (const proxy of Object.values(proxies)) await proxy.close();
      for (const app of Object.values(backends)) await app.close();
      if (options.bullmq) {
        await deleteKeysWithPrefix({ name: 'Redis', url: redisUrl as string, cluster: false }, `{${prefix}}:`);
      }
    },
  };
  return harness;
}

/** Tomorrow at noon UTC: far enough ahead for a delivery to be rescheduled. */
export function tomorrowAtNoon(): string {
  const date = new Date(Date.now() + 24 * 3600_000);
  date.setUTCHours(12, 0, 0, 0);
  return date.toISOString();
}

export function deliveryRequest(deliveryId: string, overrides: Partial<AcceptedDeliveryRequest> = {}): AcceptedDeliveryRequest {
  return {
    deliveryId,
    ownerId: 'owner-a',
    pickupLocation: { latitude: 47.62, longitude: -122.35, label: 'my pickup' },
    dropOffLocation: { latitude: 47.65, longitude: -122.3, label: 'drop off' },
    pickupTime: tomorrowAtNoon(),
    deadline: null,
    expedited: true,
    confirmationRequired: 'None',
    packageInfo: { packageId: `pkg-${deliveryId}`, size: 'Small', weight: 2, tag: 'mytag' },
    ...overrides,
  };
}

export function deliveryMessage(
  deliveryId: string,
  messageId = `${deliveryId}:delivery`,
  overrides: Partial<AcceptedDeliveryRequest> = {},
): QueueMessage {
  return { messageId, type: 'delivery', deliveryId, body: deliveryRequest(deliveryId, overrides), enqueuedAt: new Date().toISOString() };
}

export function rescheduleMessage(deliveryId: string, pickupTime: string): QueueMessage {
  return {
    messageId: `${deliveryId}:reschedule:${randomUUID()}`,
    type: 'reschedule',
    deliveryId,
    body: { deliveryId, pickupTime },
    enqueuedAt: new Date().toISOString(),
  };
}

export function cancelMessage(deliveryId: string): QueueMessage {
  return { messageId: `${deliveryId}:cancel`, type: 'cancel', deliveryId, body: { deliveryId }, enqueuedAt: new Date().toISOString() };
}
