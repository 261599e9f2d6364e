// Builds the simulator from its configuration: a client of the gateway, the simulation loop
// (started once the app listens, stopped at close), and an HTTP port for probes and metrics.
import { randomUUID } from 'node:crypto';
import { createServer, HttpClient, httpClientSettingsFrom, type Logger, type ServiceInstance } from '@dronedelivery/service-kit';
import packageJson from '../package.json' with { type: 'json' };
import type { Config } from './config.ts';
import { credentialsFrom } from './credentials.ts';
import { CustomerTraffic } from './customer-traffic.ts';
import { GatewayApi } from './gateway-api.ts';
import { simulatorMetrics } from './metrics.ts';
import { Simulation } from './simulation.ts';

export interface SimulatorAppDependencies {
  config: Config;
  log: Logger;
}

/** A tick of more simulated time than this makes drop-offs visibly late on a tracking page. */
const LATE_TICK_SIMULATED_SECONDS = 60;

export async function buildApp({ config, log }: SimulatorAppDependencies): Promise<ServiceInstance> {
  const app = await createServer({ name: 'simulator', version: packageJson.version, logger: log, config });
  const client = new HttpClient({
    upstream: 'gateway',
    baseUrl: config.GATEWAY_URL,
    metrics: app.metrics,
    ...httpClientSettingsFrom(config),
  });
  const credentials = credentialsFrom(config);
  const api = new GatewayApi(client, credentials);
  const metrics = simulatorMetrics(app.metrics);

  // The loop hands background calls to the simulation, which the traffic shares, so that
  // stopping the simulation waits for every call either started.
  let simulation: Simulation | undefined;
  const traffic =
    config.TRAFFIC_PER_MINUTE > 0
      ? new CustomerTraffic({
          api,
          limits: {
            perMinute: config.TRAFFIC_PER_MINUTE,
            maxOutstanding: config.TRAFFIC_MAX_OUTSTANDING,
            maxTotal: config.TRAFFIC_MAX_TOTAL,
          },
          owners: credentials.trafficOwners,
          area: config.SERVICE_AREA,
          seed: config.SIMULATION_SEED,
          runId: randomUUID().slice(0, 8),
          requested: metrics.requested,
          log,
          track: (work) => simulation?.track(work),
        })
      : undefined;
  simulation = new Simulation({ api, config, metrics, log, traffic });
  const running = simulation;

  // Ready while the gateway answers with the fleet: a read that failed, or none for a while, is not.
  const staleAfterMs = 3 * config.POLL_INTERVAL_MS + config.UPSTREAM_TIMEOUT_MS;
  app.health.addCheck({
    name: 'gateway',
    cacheMs: Math.min(1_000, config.POLL_INTERVAL_MS),
    check: async () => {
      const read = running.lastRead;
      if (!read) throw new Error('the fleet has not been read yet');
      if (!read.ok) throw new Error(`the last fleet read failed: ${read.error}`);
      if (Date.now() - read.at > staleAfterMs) throw new Error(`no fleet read for ${Math.round((Date.now() - read.at) / 1000)} s`);
    },
  });
  // Wedged if no tick has begun for long; each tick is bounded by the client's timeouts and retries.
  const wedgedAfterMs = 10 * config.POLL_INTERVAL_MS + 60_000;
  app.health.addLivenessCheck({
    name: 'simulation-loop',
    check: async () => {
      if (running.lastTickAt !== undefined && Date.now() - running.lastTickAt > wedgedAfterMs)
        throw new Error(`no tick for ${Math.round((Date.now() - running.lastTickAt) / 1000)} s`);
    },
  });

  app.lifecycle.onShutdown('gateway client', () => client.close());
  app.lifecycle.onStartup('simulation', () => {
    running.start();
    const tickSimulatedSeconds = (config.POLL_INTERVAL_MS * config.SIMULATION_SPEED) / 1000;
    const settings = {
      gateway: config.GATEWAY_URL,
      pollIntervalMs: config.POLL_INTERVAL_MS,
      simulationSpeed: config.SIMULATION_SPEED,
      tickSimulatedSeconds,
      faultRate: config.FAULT_RATE,
      seed: config.SIMULATION_SEED,
      trafficPerMinute: config.TRAFFIC_PER_MINUTE,
    };
    log.info(settings, 'flying the fleet');
    if (tickSimulatedSeconds > LATE_TICK_SIMULATED_SECONDS)
      log.warn(settings, 'a tick spans more than a simulated minute: drop-offs will show late; lower POLL_INTERVAL_MS');
    // Closed first at shutdown (closers run in reverse): calls under way finish within the drain timeout.
    app.lifecycle.onShutdown('simulation', () => running.stop(), { timeoutMs: config.DRAIN_TIMEOUT_MS });
  });
  return app;
}
