// The simulation loop: every tick, one read of the flying fleet; the drop-offs and faults that
// are due are sent, each once, without holding up the next tick; then the customer traffic.
// One timer for the whole fleet, whatever its size, and it stops cleanly: no new tick, and the
// calls under way are waited for.
import type { Logger } from '@dronedelivery/service-kit';
import type { Config } from './config.ts';
import type { CustomerTraffic } from './customer-traffic.ts';
import { type Due, FlightBook } from './flight-book.ts';
import { confirmationOf, faultOf, planFlight } from './flight-plan.ts';
import type { GatewayApi, Outcome } from './gateway-api.ts';
import type { SimulatorMetrics } from './metrics.ts';

export interface FleetRead {
  /** When the read ended, by this process' clock. */
  at: number;
  ok: boolean;
  error?: string;
}

export interface SimulationOptions {
  api: GatewayApi;
  config: Pick<Config, 'POLL_INTERVAL_MS' | 'SIMULATION_SPEED' | 'FAULT_RATE' | 'SIMULATION_SEED' | 'UPSTREAM_BULKHEAD_LIMIT'>;
  metrics: SimulatorMetrics;
  log: Logger;
  traffic?: CustomerTraffic | undefined;
}

export class Simulation {
  private readonly book: FlightBook;
  private readonly inFlight = new Set<Promise<unknown>>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  /** The last fleet read, for readiness. */
  lastRead: FleetRead | undefined;
  /** When the last tick began, for liveness. */
  lastTickAt: number | undefined;
  /** The gateway's clock minus this process' clock, at the last read. */
  private clockOffsetMs = 0;

  private readonly options: SimulationOptions;

  constructor(options: SimulationOptions) {
    this.options = options;
    const { FAULT_RATE, SIMULATION_SEED } = options.config;
    this.book = new FlightBook((droneId, flight) => planFlight(droneId, flight, FAULT_RATE, SIMULATION_SEED));
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** No further tick; resolves once the tick and the calls under way have ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    await Promise.allSettled([...this.inFlight]);
  }

  /** One tick (the loop runs these; a test may run one). */
  async tick(): Promise<void> {
    const began = performance.now();
    this.lastTickAt = Date.now();
    const { metrics } = this.options;
    const fleet = await this.readFleet();
    if (fleet) {
      metrics.flying.set(fleet.drones.length);
      // The server's clock decides what is due: the flights were planned by it, and a drone
      // whose clock is off must not confirm early.
      const now = Date.parse(fleet.at);
      this.clockOffsetMs = now - Date.now();
      const room = Math.max(0, this.options.config.UPSTREAM_BULKHEAD_LIMIT - this.inFlight.size);
      for (const due of this.book.observe(fleet.drones, now, room)) this.track(this.act(due));
    }
    this.options.traffic?.step(Date.now());
    metrics.tickDuration.observe((performance.now() - began) / 1000);
  }

  /** Runs a call in the background; stop() waits for it. */
  readonly track = (work: Promise<unknown>): void => {
    const settled = work
      .catch((error: unknown) => this.options.log.error({ err: error }, 'a simulator call failed unexpectedly'))
      .finally(() => this.inFlight.delete(settled));
    this.inFlight.add(settled);
  };

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      const began = Date.now();
      this.running = this.tick()
        .catch((error: unknown) => this.options.log.error({ err: error }, 'a simulator tick failed'))
        .finally(() => this.schedule(Math.max(0, this.options.config.POLL_INTERVAL_MS - (Date.now() - began))));
    }, delayMs);
  }

  private async readFleet() {
    const { api, metrics, log } = this.options;
    try {
      const fleet = await api.flyingDrones();
      if (this.lastRead && !this.lastRead.ok) log.info('the fleet can be read again');
      this.lastRead = { at: Date.now(), ok: true };
      metrics.fleetReads.inc({ outcome: 'ok' });
      return fleet;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // Said once when it starts failing, not on every tick while it does.
      if (this.lastRead?.ok !== false) log.warn({ err: error }, 'cannot read the fleet from the gateway');
      this.lastRead = { at: Date.now(), ok: false, error: message };
      metrics.fleetReads.inc({ outcome: 'failed' });
      return undefined;
    }
  }

  private async act({ action, flight, plan }: Due): Promise<void> {
    const { api, metrics, log, traffic, config } = this.options;
    const { droneId, deliveryId } = plan;
    let outcome: Outcome;
    if (action === 'fault') {
      const answered = await api.reportFault(droneId, faultOf(flight, plan.faultAt as number));
      outcome = answered.outcome;
      metrics.faults.inc({ outcome });
      // In the world simulated, the drone flew this long before it failed.
      const simulatedMinutes = Math.round((((plan.faultAt as number) - plan.departureAt) * config.SIMULATION_SPEED) / 60_000);
      const fields = { droneId, deliveryId, simulatedMinutesInFlight: simulatedMinutes, status: answered.status, detail: answered.detail };
      if (outcome === 'ok') log.info(fields, 'a drone failed in flight and reported it');
      else log.warn(fields, `a drone's fault report ended ${outcome}`);
    } else {
      const confirmationType = traffic?.confirmationRequiredFor(deliveryId) ?? 'None';
      const answered = await api.confirm(deliveryId, confirmationOf(flight, confirmationType));
      outcome = answered.outcome;
      metrics.confirmations.inc({ outcome });
      const fields = { droneId, deliveryId, status: answered.status, detail: answered.detail };
      if (outcome === 'ok') log.debug(fields, 'a drone confirmed its drop-off');
      // A delivery cancelled in flight, or confirmed by someone else: the drone has nothing to do.
      else if (outcome === 'conflict') log.info(fields, 'a drop-off was not needed any more');
      else log.warn(fields, `a drop-off confirmation ended ${outcome}`);
    }
    this.book.settle(deliveryId, outcome === 'failed' ? 'retry' : 'done', Date.now() + this.clockOffsetMs);
    if (outcome !== 'failed') traffic?.finished(deliveryId);
  }
}
