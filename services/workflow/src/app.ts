// Builds the workflow from its dependencies: the queue consumer, clients for the three
// backends, and an HTTP port for probes, metrics and operator endpoints.
import type { DeliveryQueue } from '@dronedelivery/queue';
import {
  connectWithRetry,
  createServer,
  HttpClient,
  httpClientSettingsFrom,
  type Logger,
  type ServiceInstance,
} from '@dronedelivery/service-kit';
import packageJson from '../package.json' with { type: 'json' };
import type { Backends } from './backends.ts';
import type { Config } from './config.ts';
import { DroneWaitlist } from './drone-waitlist.ts';
import { registerOperatorRoutes } from './operations.ts';
import { createMessageHandler } from './orchestration.ts';

export interface WorkflowAppDependencies {
  config: Config;
  log: Logger;
  queue: DeliveryQueue;
}

export async function buildApp({ config, log, queue }: WorkflowAppDependencies): Promise<ServiceInstance> {
  const app = await createServer({ name: 'workflow', version: packageJson.version, logger: log, config });
  const settings = httpClientSettingsFrom(config);
  const backends: Backends = {
    packages: new HttpClient({ upstream: 'package', baseUrl: config.PACKAGE_URL, metrics: app.metrics, ...settings }),
    drones: new HttpClient({ upstream: 'dronescheduler', baseUrl: config.DRONESCHEDULER_URL, metrics: app.metrics, ...settings }),
    deliveries: new HttpClient({ upstream: 'delivery', baseUrl: config.DELIVERY_URL, metrics: app.metrics, ...settings }),
  };

  const processed = app.metrics.counter({
    name: 'workflow_messages_processed_total',
    help: 'Messages processed, by type and outcome.',
    labelNames: ['type', 'outcome'],
  });
  const failed = app.metrics.counter({
    name: 'workflow_messages_failed_total',
    help: 'Failed processing attempts, by type and kind: transient (retried), permanent (dead-lettered), delayed (backend known unhealthy).',
    labelNames: ['type', 'kind'],
  });
  const duration = app.metrics.histogram({
    name: 'workflow_processing_duration_seconds',
    help: 'Time to process a message, by type.',
    labelNames: ['type'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  });
  app.metrics.gauge({
    name: 'workflow_queue_messages',
    help: 'Messages in the delivery-request queue, by state (waiting, active, delayed, dead-lettered).',
    labelNames: ['state'],
    async collect() {
      const counts = await queue.counts().catch(() => undefined);
      if (!counts) return;
      this.set({ state: 'waiting' }, counts.waiting);
      this.set({ state: 'active' }, counts.active);
      this.set({ state: 'delayed' }, counts.delayed);
      this.set({ state: 'dead-lettered' }, counts.deadLettered);
    },
  });

  // Liveness: the consumer is wedged if messages wait and none has been taken or finished
  // for WORKFLOW_STALL_SECONDS. An unreachable queue is readiness' business, not liveness'.
  let lastActivity = Date.now();
  app.health.addLivenessCheck({
    name: 'consumer-progress',
    check: async () => {
      const counts = await queue.counts().catch(() => undefined);
      const idleSeconds = (Date.now() - lastActivity) / 1000;
      if (counts && counts.waiting > 0 && counts.active === 0 && idleSeconds > config.WORKFLOW_STALL_SECONDS) {
        throw new Error(`${counts.waiting} messages waiting and none taken for ${Math.round(idleSeconds)} s`);
      }
    },
  });
  app.health.addCheck({ name: 'queue', check: () => queue.ping() });

  const limits = {
    maxDroneWaitMs: config.WORKFLOW_MAX_DRONE_WAIT_SECONDS * 1000,
    maxRetryAgeMs: config.WORKFLOW_MAX_RETRY_SECONDS * 1000,
    maxRetryDelayMs: config.WORKFLOW_MAX_RETRY_DELAY_SECONDS * 1000,
  };
  const waitlist = new DroneWaitlist(queue, log);
  app.lifecycle.onShutdown('drone waitlist', () => waitlist.close());
  const handler = createMessageHandler(
    backends,
    log,
    {
      onOutcome(type, outcome, seconds) {
        lastActivity = Date.now();
        processed.inc({ type, outcome });
        duration.observe({ type }, seconds);
      },
      onFailure(type, kind, seconds) {
        lastActivity = Date.now();
        failed.inc({ type, kind });
        duration.observe({ type }, seconds);
      },
    },
    limits,
    waitlist,
  );

  registerOperatorRoutes(app, queue, config.WORKFLOW_ADMIN_TOKEN);
  app.lifecycle.onShutdown('delivery-request queue', () => queue.close());
  for (const client of Object.values(backends)) app.lifecycle.onShutdown(`${client.upstream} client`, () => client.close());
  app.lifecycle.onStartup('queue consumer', async () => {
    await connectWithRetry(() => queue.ready(), {
      name: 'the queue Redis',
      attempts: config.QUEUE_CONNECT_ATTEMPTS,
      initialDelayMs: 500,
      log,
    });
    const consumer = queue.consume(handler, { concurrency: config.WORKFLOW_CONCURRENCY });
    log.info({ concurrency: config.WORKFLOW_CONCURRENCY }, 'consuming delivery requests');
    // Closed first at shutdown (closers run in reverse): in-flight messages finish within
    // the drain timeout; any still running after it go back to the queue (stalled-job takeover).
    app.lifecycle.onShutdown('queue consumer', () => consumer.close(), { timeoutMs: config.DRAIN_TIMEOUT_MS });
  });
  return app;
}
