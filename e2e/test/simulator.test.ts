// The simulator against the real system, in this process: the gateway and the services on
// free ports (the dronescheduler planning flights SIMULATION_SPEED times faster than real
// time), and the simulator flying the drones through the gateway with tokens it signs itself.
// A customer's delivery then reaches Completed on its own, or Rejected (drone-fault) when
// every flight fails.
import { randomUUID } from 'node:crypto';
import { callOf, type Delivery, type DeliveryPage, gatewayRoutes } from '@dronedelivery/contracts';
import { type RunningSystem, startInProcess } from '@dronedelivery/fleet';
import { loadConfig, type ServiceInstance, startService } from '@dronedelivery/service-kit';
import { capturingLogger, freePort } from '@dronedelivery/service-kit/testing';
import { service } from '@dronedelivery/simulator';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * Flights of a few minutes take a few seconds: long enough that a tick delayed by a busy
 * machine still sees the flight, short enough for a test.
 */
const SPEED = '60';

let system: RunningSystem | undefined;
let simulator: ServiceInstance | undefined;

afterEach(async () => {
  await simulator?.close();
  await system?.stop();
  simulator = undefined;
  system = undefined;
});

async function startTheSystem(speed = SPEED): Promise<RunningSystem> {
  system = await startInProcess({
    // A busy machine lags event loops by seconds: shedding is not what this suite tests.
    env: { SIMULATION_SPEED: speed, QUEUE_BACKOFF_MS: '200', LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '0' },
    logFor: (name) => capturingLogger(name).log,
  });
  return system;
}

async function startSimulator(env: Record<string, string>, speed = SPEED): Promise<ServiceInstance> {
  const config = loadConfig('simulator', service.configSchema, {
    HOST: '127.0.0.1',
    PORT: '0',
    SHUTDOWN_DELAY_MS: '0',
    SIMULATION_SPEED: speed,
    POLL_INTERVAL_MS: '100',
    ...env,
  });
  simulator = await startService(service, config, capturingLogger('simulator').log);
  return simulator;
}

async function api<T>(running: RunningSystem, token: string, call: { method: string; path: string; body?: unknown }): Promise<T> {
  const response = await fetch(`${running.urls.gateway}${call.path}`, {
    method: call.method,
    headers: { authorization: `Bearer ${token}`, ...(call.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
  });
  expect(response.status, `${call.method} ${call.path}`).toBeLessThan(300);
  return (await response.json()) as T;
}

/** A customer asks for a delivery to be picked up now; answers its id and the customer's token. */
async function requestDelivery(running: RunningSystem): Promise<{ deliveryId: string; customer: string }> {
  const owner = `owner-${randomUUID().slice(0, 8)}`;
  const customer = await running.token(['customer'], owner);
  const body = {
    ownerId: owner,
    pickupLocation: { latitude: 47.62, longitude: -122.35 },
    dropOffLocation: { latitude: 47.65, longitude: -122.3 },
    pickupTime: new Date().toISOString(),
    packageInfo: { packageId: `pkg-${randomUUID().slice(0, 8)}`, size: 'Small' as const, weight: 1 },
  };
  const { deliveryId } = await api<{ deliveryId: string }>(running, customer, callOf(gatewayRoutes.requestDelivery, { body }));
  return { deliveryId, customer };
}

async function deliveryOf(running: RunningSystem, customer: string, id: string): Promise<Delivery> {
  return api<Delivery>(running, customer, callOf(gatewayRoutes.delivery, { params: { id } }));
}

/** A counter of the simulator's, by outcome. */
async function counted(app: ServiceInstance, name: string, outcome: string): Promise<number> {
  const metric = app.metrics.registry.getSingleMetric(name);
  const values = (await metric?.get())?.values ?? [];
  return values.find((value) => value.labels.outcome === outcome)?.value ?? 0;
}

describe('the simulator flying the system', () => {
  it("confirms a customer's delivery at its drop-off, which then reads Completed", async () => {
    const running = await startTheSystem();
    const app = await startSimulator({ GATEWAY_URL: running.urls.gateway, JWT_SECRET: running.jwtSecret });
    const { deliveryId, customer } = await requestDelivery(running);
    await expect
      .poll(async () => (await deliveryOf(running, customer, deliveryId)).stage, { timeout: 45_000, interval: 200 })
      .toBe('Completed');
    expect(await counted(app, 'simulator_confirmations_total', 'ok')).toBeGreaterThanOrEqual(1);
    expect(await counted(app, 'simulator_faults_reported_total', 'ok')).toBe(0);
  }, 60_000);

  it('with FAULT_RATE=1 reports every flight failed: the delivery ends Rejected with reason drone-fault', async () => {
    const running = await startTheSystem();
    const app = await startSimulator({ GATEWAY_URL: running.urls.gateway, JWT_SECRET: running.jwtSecret, FAULT_RATE: '1' });
    const { deliveryId, customer } = await requestDelivery(running);
    await expect
      .poll(async () => (await deliveryOf(running, customer, deliveryId)).stage, { timeout: 45_000, interval: 200 })
      .toBe('Rejected');
    expect(await deliveryOf(running, customer, deliveryId)).toMatchObject({ reason: 'drone-fault' });
    expect(await counted(app, 'simulator_faults_reported_total', 'ok')).toBeGreaterThanOrEqual(1);
    expect(await counted(app, 'simulator_confirmations_total', 'ok')).toBe(0);
  }, 60_000);

  it('is ready while it reads the fleet through the gateway', async () => {
    const running = await startTheSystem();
    const app = await startSimulator({ GATEWAY_URL: running.urls.gateway, JWT_SECRET: running.jwtSecret });
    // The report, not only the status: when it is not ready, it says why.
    await expect
      .poll(async () => (await app.inject({ url: '/healthz/ready' })).json().checks.gateway, { timeout: 10_000 })
      .toEqual({
        status: 'up',
        durationMs: expect.any(Number),
      });
  });
});

describe('the simulator as customers', () => {
  it('asks for deliveries through the gateway, and no more than TRAFFIC_MAX_TOTAL', async () => {
    const running = await startTheSystem();
    const app = await startSimulator({
      GATEWAY_URL: running.urls.gateway,
      JWT_SECRET: running.jwtSecret,
      TRAFFIC_PER_MINUTE: '6000',
      TRAFFIC_OWNERS: '1',
      TRAFFIC_MAX_TOTAL: '3',
      TRAFFIC_MAX_OUTSTANDING: '5',
    });
    await expect.poll(() => counted(app, 'simulator_deliveries_requested_total', 'accepted'), { timeout: 10_000 }).toBe(3);
    const owner = await running.token(['customer'], 'demo-owner-1');
    const page = await api<DeliveryPage>(running, owner, callOf(gatewayRoutes.listDeliveries, { query: {} }));
    expect(page.items).toHaveLength(3);
    // Ten more ticks: the total holds.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await counted(app, 'simulator_deliveries_requested_total', 'accepted')).toBe(3);
  });

  it('keeps at most TRAFFIC_MAX_OUTSTANDING unfinished: the next request waits for a delivery to complete', async () => {
    // Three flights one after another: faster, so that the three fit in the test's time.
    const running = await startTheSystem('300');
    const app = await startSimulator(
      {
        GATEWAY_URL: running.urls.gateway,
        JWT_SECRET: running.jwtSecret,
        TRAFFIC_PER_MINUTE: '6000',
        TRAFFIC_OWNERS: '1',
        TRAFFIC_MAX_TOTAL: '3',
        TRAFFIC_MAX_OUTSTANDING: '1',
      },
      '300',
    );
    const owner = await running.token(['customer'], 'demo-owner-1');
    const stages = async () =>
      (await api<DeliveryPage>(running, owner, callOf(gatewayRoutes.listDeliveries, { query: {} }))).items.map((d) => d.stage);
    // One at a time: never two unfinished.
    for (let check = 0; check < 20; check += 1) {
      expect((await stages()).filter((stage) => stage !== 'Completed').length).toBeLessThanOrEqual(1);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await expect.poll(stages, { timeout: 60_000, interval: 250 }).toEqual(['Completed', 'Completed', 'Completed']);
    expect(await counted(app, 'simulator_deliveries_requested_total', 'accepted')).toBe(3);
  }, 90_000);
});

describe('the simulator without a gateway', () => {
  it('is not ready, and says why', async () => {
    const app = await startSimulator({ GATEWAY_URL: `http://127.0.0.1:${await freePort()}`, DRONE_TOKEN: 'a.b.c' });
    await expect.poll(async () => (await app.inject({ url: '/healthz/ready' })).statusCode, { timeout: 10_000 }).toBe(503);
    const report = (await app.inject({ url: '/healthz/ready' })).json();
    expect(report.checks.gateway).toMatchObject({ status: 'down', error: expect.stringContaining('fleet') });
    // Alive all the same: restarting would not bring the gateway back.
    expect((await app.inject({ url: '/healthz/live' })).statusCode).toBe(200);
  });
});
