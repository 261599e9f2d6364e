// Liveness means "the consumer makes progress": it fails when messages wait and none has
// been taken for WORKFLOW_STALL_SECONDS, and recovers once the consumer takes them.
import { MemoryQueue } from '@dronedelivery/queue';
import { capturingLogger } from '@dronedelivery/service-kit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { deliveryMessage, workflowConfig } from './harness.ts';

const unreachable = 'http://127.0.0.1:9';
let close: (() => Promise<unknown>) | undefined;

afterEach(async () => {
  await close?.();
});

describe('workflow liveness', () => {
  it('is alive while idle, wedged when messages wait untaken, alive again once the consumer runs', async () => {
    const queue = new MemoryQueue({ maxAttempts: 3, backoffMs: 10 });
    const config = workflowConfig(
      { package: unreachable, delivery: unreachable, dronescheduler: unreachable },
      { WORKFLOW_STALL_SECONDS: 1 },
    );
    const app = await buildApp({ config, log: capturingLogger('workflow').log, queue });
    close = () => app.close();
    // Ready but not started: no consumer takes messages, as when its loop is stuck.
    await app.ready();
    const live = async () => (await app.inject({ method: 'GET', url: '/healthz/live' })).statusCode;
    expect(await live()).toBe(200);

    await queue.publish(deliveryMessage('d-1'));
    await expect.poll(live, { timeout: 5_000, interval: 200 }).toBe(503);
    expect((await app.inject({ method: 'GET', url: '/healthz/live' })).json()).toMatchObject({
      status: 'wedged',
      checks: { 'consumer-progress': { status: 'down' } },
    });

    // The consumer starts and takes the message (it fails against unreachable backends, which is progress too).
    await app.lifecycle.start(app.log);
    await expect.poll(live, { timeout: 5_000, interval: 200 }).toBe(200);
  });
});
