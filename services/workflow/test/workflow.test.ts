// The workflow against the real package, delivery and dronescheduler apps (in-process, on
// loopback, in-memory stores) through fault-injecting proxies, consuming a real queue:
// BullMQ on Redis whenever REDIS_URL is set (CI), and the in-memory queue always.
import { afterEach, describe, expect, it } from 'vitest';
import { configSchema } from '../src/config.ts';
import { cancelMessage, deliveryMessage, type Harness, redisUrl, rescheduleMessage, startHarness, tomorrowAtNoon } from './harness.ts';

const queues = [{ name: 'in-memory queue', bullmq: false }, ...(redisUrl ? [{ name: 'BullMQ on Redis', bullmq: true }] : [])];

describe.each(queues)('workflow on $name', ({ bullmq }) => {
  let harness: Harness;

  afterEach(async () => {
    await harness?.close();
  });

  const start = async (overrides = {}) => {
    harness = await startHarness({ bullmq, overrides });
    return harness;
  };
  const delivery = (id: string) => harness.backends.delivery.inject({ method: 'GET', url: `/api/deliveries/${id}` });
  /** The drone assignment of a delivery, as the dronescheduler's API gives it; undefined when it has none (released). */
  const assignment = async (id: string) => {
    const response = await harness.backends.dronescheduler.inject({ method: 'GET', url: `/api/dronedeliveries/${id}` });
    return response.statusCode === 200 ? (response.json() as { droneId: string; deliveryEta: string }) : undefined;
  };
  /** Which of the test's deliveries hold a drone. */
  const reservations = async (ids = ['d-1']) => {
    const held: string[] = [];
    for (const id of ids) if (await assignment(id)) held.push(id);
    return held;
  };
  const metrics = async () => (await harness.workflow.inject({ method: 'GET', url: '/metrics' })).body;
  const admin = (method: 'GET' | 'POST', url: string, token = 'operator-token-for-tests', payload?: object) =>
    harness.workflow.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });

  it('delivery: package stored, drone assigned, delivery recorded with the assignment', async () => {
    await start();
    await harness.queue.publish(deliveryMessage('d-1'));
    await expect.poll(async () => (await delivery('d-1')).statusCode, { timeout: 10_000 }).toBe(200);
    const record = (await delivery('d-1')).json() as { droneId: string; stage: string; packageId: string };
    expect(record).toMatchObject({ stage: 'Created', packageId: 'pkg-d-1' });
    expect((await harness.backends.package.inject({ method: 'GET', url: '/api/packages/pkg-d-1' })).json()).toMatchObject({
      ownerId: 'owner-a',
      size: 'Small',
      weight: 2,
    });
    expect(await reservations()).toEqual(['d-1']);
    const status = (await harness.backends.delivery.inject({ method: 'GET', url: '/api/deliveries/d-1/status' })).json() as {
      pickupEta: string;
    };
    expect(Date.parse(status.pickupEta)).toBeGreaterThan(Date.now());
    // Counted once the message is done, a moment after the delivery record is written.
    await expect
      .poll(metrics, { timeout: 5_000 })
      .toMatch(/workflow_messages_processed_total\{[^}]*type="delivery"[^}]*outcome="delivery-scheduled"[^}]*\} 1/);
  });

  it('reschedule: the drone re-planned and the delivery changed; cancel: cancelled and the drone released', async () => {
    await start();
    await harness.queue.publish(deliveryMessage('d-1'));
    await expect.poll(async () => (await delivery('d-1')).statusCode, { timeout: 10_000 }).toBe(200);
    const later = new Date(Date.parse((await delivery('d-1')).json<{ pickupTime: string }>().pickupTime) + 3 * 3600_000).toISOString();
    await harness.queue.publish(rescheduleMessage('d-1', later));
    await expect.poll(async () => (await delivery('d-1')).json<{ stage: string }>().stage, { timeout: 10_000 }).toBe('Rescheduled');
    expect((await delivery('d-1')).json()).toMatchObject({ pickupTime: later });
    // The drone is booked for the new time.
    expect(Date.parse((await assignment('d-1'))?.deliveryEta ?? '')).toBeGreaterThan(Date.parse(later));

    await harness.queue.publish(cancelMessage('d-1'));
    await expect.poll(async () => (await delivery('d-1')).json<{ stage: string }>().stage, { timeout: 10_000 }).toBe('Cancelled');
    await expect.poll(() => reservations()).toEqual([]);
  });

  it('a backend failing twice then recovering: completed, with the retries counted', async () => {
    await start();
    harness.proxies.package.failures = 2;
    await harness.queue.publish(deliveryMessage('d-1'));
    await expect.poll(async () => (await delivery('d-1')).statusCode, { timeout: 10_000 }).toBe(200);
    expect(await metrics()).toMatch(/http_client_retries_total\{[^}]*upstream="package"[^}]*\} 2/);
  });

  it('a backend down past the last attempt: dead letter with its reason and every attempt, the drone released', async () => {
    await start();
    harness.proxies.delivery.down = true;
    await harness.queue.publish(deliveryMessage('d-1'));
    await expect.poll(async () => (await harness.queue.counts()).deadLettered, { timeout: 15_000 }).toBe(1);
    const listed = (await admin('GET', '/admin/deadletters')).json() as {
      count: number;
      deadLetters: { reason: string; attempts: unknown[]; message: { messageId: string } }[];
    };
    expect(listed.count).toBe(1);
    expect((await admin('GET', '/admin/queue')).json()).toMatchObject({ deadLettered: 1 });
    expect(listed.deadLetters[0]?.message.messageId).toBe('d-1:delivery');
    expect(listed.deadLetters[0]?.reason).toMatch(/delivery/);
    expect(listed.deadLetters[0]?.attempts).toHaveLength(3);
    // Compensation: no drone stays booked for a delivery that was never recorded.
    expect(await reservations()).toEqual([]);

    // Re-drive once the backend is back: the delivery completes.
    harness.proxies.delivery.heal();
    expect((await admin('POST', '/admin/deadletters/redrive', undefined, {})).json()).toEqual({ redriven: 1 });
    await expect.poll(async () => (await delivery('d-1')).statusCode, { timeout: 10_000 }).toBe(200);
    expect(await reservations()).toEqual(['d-1']);
  });

  it('a poison message: dead-lettered at once, with the validation failures', async () => {
    await start();
    await harness.queue.publish({ ...deliveryMessage('d-1'), body: { deliveryId: 'd-1', ownerId: 'owner-a' } } as never);
    await expect.poll(async () => (await harness.queue.counts()).deadLettered, { timeout: 10_000 }).toBe(1);
    const [letter] = await harness.queue.deadLetters(1);
    expect(letter?.attempts).toHaveLength(1);
    expect(letter?.reason).toMatch(/^invalid message: .*packageInfo/);
    expect(harness.proxies.package.received + harness.proxies.dronescheduler.received + harness.proxies.delivery.received).toBe(0);
  });

  it('the same request delivered twice: one delivery, one reservation', async () => {
    await start();
    await harness.queue.publish(deliveryMessage('d-1'));
    await expect.poll(async () => (await delivery('d-1')).statusCode, { timeout: 10_000 }).toBe(200);
    // A redelivery (a second message id for the same request, as after a crash before the ack).
    await harness.queue.publish(deliveryMessage('d-1', 'd-1:delivery:again'));
    await expect
      .poll(async () => (await metrics()).match(/outcome="delivery-already-scheduled"[^}]*\} 1/) !== null, { timeout: 10_000 })
      .toBe(true);
    expect(await reservations()).toEqual(['d-1']);
    const events = (await harness.backends.delivery.inject({ method: 'GET', url: '/api/deliveries/d-1/events' })).json() as {
      stage: string;
    }[];
    expect(events.map((event) => event.stage)).toEqual(['Requested', 'Created']);
  });

  it('a cancel that overtakes its delivery: the delivery ends cancelled and no drone is booked', async () => {
    await start();
    await harness.queue.publish(cancelMessage('d-1'));
    await expect.poll(async () => (await delivery('d-1')).statusCode, { timeout: 10_000 }).toBe(410);
    await harness.queue.publish(deliveryMessage('d-1'));
    await expect
      .poll(async () => (await metrics()).includes('outcome="delivery-cancelled-before-scheduled"'), { timeout: 10_000 })
      .toBe(true);
    expect((await delivery('d-1')).statusCode).toBe(410);
    expect(await reservations()).toEqual([]);
  });

  it('an open circuit delays messages without spending their attempts', async () => {
    await start({ UPSTREAM_BREAKER_THRESHOLD: 1, UPSTREAM_BREAKER_HALF_OPEN_AFTER_MS: 300, UPSTREAM_RETRIES: 0 });
    harness.proxies.package.failures = 1;
    await harness.queue.publish(deliveryMessage('d-1'));
    await expect.poll(async () => (await delivery('d-1')).statusCode, { timeout: 10_000 }).toBe(200);
    expect((await harness.queue.counts()).deadLettered).toBe(0);
  });

  it('shutdown mid-processing loses nothing: in-flight messages finish, the rest complete after a restart', async () => {
    await start();
    harness.proxies.delivery.delayMs = 300;
    for (const id of ['d-1', 'd-2', 'd-3', 'd-4', 'd-5', 'd-6']) await harness.queue.publish(deliveryMessage(id));
    await expect.poll(async () => (await harness.queue.counts()).active, { timeout: 10_000 }).toBeGreaterThan(0);
    await harness.workflow.close();
    harness.proxies.delivery.delayMs = 0;
    await harness.restartWorkflow();
    for (const id of ['d-1', 'd-2', 'd-3', 'd-4', 'd-5', 'd-6']) {
      await expect.poll(async () => (await delivery(id)).statusCode, { timeout: 15_000 }).toBe(200);
    }
    const ids = ['d-1', 'd-2', 'd-3', 'd-4', 'd-5', 'd-6'];
    expect(await reservations(ids)).toEqual(ids);
    expect((await harness.queue.counts()).deadLettered).toBe(0);
  });

  it('the per-attempt timeout set in the environment is the one the clients use', async () => {
    const fromEnvironment = configSchema.parse({ UPSTREAM_TIMEOUT_MS: '150', UPSTREAM_RETRIES: '0' });
    await start({ UPSTREAM_TIMEOUT_MS: fromEnvironment.UPSTREAM_TIMEOUT_MS, UPSTREAM_RETRIES: fromEnvironment.UPSTREAM_RETRIES });
    harness.proxies.package.delayMs = 400;
    await harness.queue.publish(deliveryMessage('d-1'));
    await expect
      .poll(
        async () =>
          /http_client_request_duration_seconds_count\{[^}]*upstream="package"[^}]*outcome="timeout"[^}]*\} [1-9]/.test(await metrics()),
        { timeout: 10_000 },
      )
      .toBe(true);
    harness.proxies.package.heal();
    await expect.poll(async () => (await delivery('d-1')).statusCode, { timeout: 10_000 }).toBe(200);
  });

  it('operator endpoints need the bearer token', async () => {
    await start();
    expect((await harness.workflow.inject({ method: 'GET', url: '/admin/deadletters' })).statusCode).toBe(401);
    expect((await admin('GET', '/admin/deadletters', 'wrong-token-of-the-same-size')).statusCode).toBe(401);
    expect((await admin('GET', '/admin/deadletters')).statusCode).toBe(200);
    expect((await harness.workflow.inject({ method: 'GET', url: '/admin/queue' })).statusCode).toBe(401);
    expect((await admin('GET', '/admin/queue')).json()).toEqual({ waiting: 0, active: 0, delayed: 0, deadLettered: 0 });
  });

  describe('every accepted request ends in an outcome the customer sees', () => {
    // Pickups hours apart: the default fleet's drones are never all booked at once.
    const hoursAfterTomorrowNoon = (hours: number) => new Date(Date.parse(tomorrowAtNoon()) + hours * 3_600_000).toISOString();
    const view = async (id: string) => (await delivery(id)).json() as { stage: string; reason?: string; droneExpectedAt?: string };
    const timeline = async (id: string) =>
      (
        (await harness.backends.delivery.inject({ method: 'GET', url: `/api/deliveries/${id}/events` })).json() as {
          stage: string;
          reason?: string;
        }[]
      ).map((event) => `${event.stage}${event.reason ? `:${event.reason}` : ''}`);

    it('a package id another owner holds: Rejected with its reason, and nothing dead-lettered', async () => {
      await start();
      await harness.queue.publish(deliveryMessage('d-1', undefined, { packageInfo: { packageId: 'shared', size: 'Small', weight: 1 } }));
      await expect.poll(async () => (await view('d-1')).stage, { timeout: 10_000 }).toBe('Created');
      await harness.queue.publish(
        deliveryMessage('d-2', undefined, { ownerId: 'owner-b', packageInfo: { packageId: 'shared', size: 'Small', weight: 1 } }),
      );
      await expect.poll(async () => (await view('d-2')).stage, { timeout: 10_000 }).toBe('Rejected');
      expect(await view('d-2')).toMatchObject({ reason: 'package-owned-by-another-owner', ownerId: 'owner-b' });
      expect(await timeline('d-2')).toEqual(['Requested', 'Rejected:package-owned-by-another-owner']);
      expect((await harness.queue.counts()).deadLettered).toBe(0);
      expect(await reservations()).toEqual(['d-1']);
    });

    it('a load no drone can carry: Rejected (no-capable-drone)', async () => {
      await start();
      await harness.queue.publish(deliveryMessage('d-1', undefined, { packageInfo: { packageId: 'anvil', size: 'Large', weight: 90 } }));
      await expect.poll(async () => (await view('d-1')).reason, { timeout: 10_000 }).toBe('no-capable-drone');
      expect((await harness.queue.counts()).deadLettered).toBe(0);
    });

    it('a poison request (pickup in year 9999) among 40 ordinary ones: it is Rejected at once, every other one is scheduled', {
      timeout: 60_000,
    }, async () => {
      await start({ WORKFLOW_CONCURRENCY: 8 });
      await harness.queue.publish(deliveryMessage('poison', undefined, { pickupTime: '9999-12-31T23:59:59.000Z' }));
      const ordinary = Array.from({ length: 40 }, (_, i) => `d-${i}`);
      for (const [i, id] of ordinary.entries())
        await harness.queue.publish(deliveryMessage(id, undefined, { ownerId: `owner-${id}`, pickupTime: hoursAfterTomorrowNoon(i) }));
      for (const id of ordinary) await expect.poll(async () => (await view(id)).stage, { timeout: 20_000 }).toBe('Created');
      await expect.poll(async () => (await view('poison')).stage, { timeout: 10_000 }).toBe('Rejected');
      expect((await view('poison')).reason).toBe('invalid-request');
      expect((await harness.queue.counts()).deadLettered).toBe(0);
    });

    it('a request a backend always fails: dead-lettered after its attempts though its failures opened the circuit, shown Rejected (dead-lettered); a redrive moves it on', {
      timeout: 60_000,
    }, async () => {
      // Three failures open the dronescheduler's circuit: the poison request's own retries do it.
      await start({ UPSTREAM_BREAKER_THRESHOLD: 3, UPSTREAM_BREAKER_HALF_OPEN_AFTER_MS: 200, UPSTREAM_RETRIES: 3 });
      harness.proxies.dronescheduler.poison = 'poison';
      await harness.queue.publish(deliveryMessage('poison'));
      const ordinary = Array.from({ length: 20 }, (_, i) => `d-${i}`);
      for (const [i, id] of ordinary.entries())
        await harness.queue.publish(deliveryMessage(id, undefined, { pickupTime: hoursAfterTomorrowNoon(i) }));
      for (const id of ordinary) await expect.poll(async () => (await view(id)).stage, { timeout: 30_000 }).toBe('Created');
      await expect.poll(async () => (await harness.queue.counts()).deadLettered, { timeout: 30_000 }).toBe(1);
      await expect.poll(async () => (await view('poison')).reason, { timeout: 10_000 }).toBe('dead-lettered');
      expect((await view('poison')).stage).toBe('Rejected');

      harness.proxies.dronescheduler.poison = undefined;
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await admin('POST', '/admin/deadletters/redrive', undefined, { messageId: 'poison:delivery' })).json()).toEqual({
        redriven: 1,
      });
      await expect.poll(async () => (await view('poison')).stage, { timeout: 20_000 }).toBe('Created');
      expect(await timeline('poison')).toEqual(['Requested', 'Rejected:dead-lettered', 'Created']);
    });

    it('waits as Requested (waiting-for-drone) while every capable drone is booked, and is scheduled once one is free', async () => {
      await start({ WORKFLOW_MAX_RETRY_DELAY_SECONDS: 1 });
      // Three drones of the default fleet carry a Large package.
      const large = { size: 'Large' as const, weight: 20 };
      for (const id of ['h-1', 'h-2', 'h-3']) {
        await harness.queue.publish(deliveryMessage(id, undefined, { packageInfo: { packageId: `pkg-${id}`, ...large } }));
        await expect.poll(async () => (await view(id)).stage, { timeout: 10_000 }).toBe('Created');
      }
      await harness.queue.publish(deliveryMessage('h-4', undefined, { packageInfo: { packageId: 'pkg-h-4', ...large } }));
      await expect.poll(async () => (await view('h-4')).reason, { timeout: 10_000 }).toBe('waiting-for-drone');
      expect(await view('h-4')).toMatchObject({ stage: 'Requested', droneId: null });
      expect(Date.parse((await view('h-4')).droneExpectedAt ?? '')).toBeGreaterThan(Date.now());
      expect((await harness.queue.counts()).deadLettered).toBe(0);

      await harness.queue.publish(cancelMessage('h-1'));
      await expect.poll(async () => (await view('h-4')).stage, { timeout: 10_000 }).toBe('Created');
      expect(await timeline('h-4')).toEqual(['Requested:waiting-for-drone', 'Created']);
    });

    it('parks deliveries while no drone is free, and wakes one per freed drone instead of retrying them all', async () => {
      // The default pause (300 s): only a wake-up can bring a parked delivery back within this test.
      await start();
      const large = { size: 'Large' as const, weight: 20 };
      const publishLarge = (id: string) =>
        harness.queue.publish(deliveryMessage(id, undefined, { packageInfo: { packageId: `pkg-${id}`, ...large } }));
      for (const id of ['b-1', 'b-2', 'b-3']) {
        await publishLarge(id);
        await expect.poll(async () => (await view(id)).stage, { timeout: 10_000 }).toBe('Created');
      }
      const waiting = Array.from({ length: 8 }, (_, index) => `w-${index + 1}`);
      for (const id of waiting) await publishLarge(id);
      for (const id of waiting) await expect.poll(async () => (await view(id)).reason, { timeout: 10_000 }).toBe('waiting-for-drone');
      const parked = harness.proxies.dronescheduler.received;
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(harness.proxies.dronescheduler.received, 'no retries while no drone is free').toBe(parked);

      // One drone released: one waiting delivery gets it, within seconds, not after its pause.
      await harness.queue.publish(cancelMessage('b-1'));
      await expect
        .poll(async () => (await Promise.all(waiting.map(view))).filter((delivery) => delivery.stage === 'Created').length, {
          timeout: 10_000,
        })
        .toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      // The release, the woken delivery's assignment, and one more try that found none free: not one per waiting delivery.
      expect(harness.proxies.dronescheduler.received - parked).toBeLessThanOrEqual(4);
      expect((await Promise.all(waiting.map(view))).filter((delivery) => delivery.reason === 'waiting-for-drone')).toHaveLength(7);
      expect((await harness.queue.counts()).deadLettered).toBe(0);
    });

    it('a reschedule or cancel that cannot be carried out is on the timeline with its reason', async () => {
      await start();
      await harness.queue.publish(deliveryMessage('d-1'));
      await expect.poll(async () => (await view('d-1')).stage, { timeout: 10_000 }).toBe('Created');
      await harness.queue.publish(cancelMessage('d-1'));
      await expect.poll(async () => (await view('d-1')).stage, { timeout: 10_000 }).toBe('Cancelled');
      await harness.queue.publish(rescheduleMessage('d-1', tomorrowAtNoon()));
      await expect.poll(() => timeline('d-1'), { timeout: 10_000 }).toContain('RescheduleRefused:delivery-finished');
      expect((await harness.queue.counts()).deadLettered).toBe(0);
    });
  });
});
