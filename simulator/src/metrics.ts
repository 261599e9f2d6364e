// What the simulator did, as Prometheus metrics on its /metrics: the calls it made by
// outcome, the drones it saw flying, and how long each tick took.
import type { Metrics } from '@dronedelivery/service-kit';

export function simulatorMetrics(metrics: Metrics) {
  return {
    confirmations: metrics.counter({
      name: 'simulator_confirmations_total',
      help: 'Drop-off confirmations sent, by outcome: ok, conflict (cancelled or confirmed otherwise), not-found, refused, failed (retried later).',
      labelNames: ['outcome'],
    }),
    faults: metrics.counter({
      name: 'simulator_faults_reported_total',
      help: 'Drone faults reported, by outcome: ok, conflict, not-found, refused, failed (retried later).',
      labelNames: ['outcome'],
    }),
    requested: metrics.counter({
      name: 'simulator_deliveries_requested_total',
      help: 'Deliveries asked for by simulated customers, by outcome: accepted, conflict, not-found, refused, failed.',
      labelNames: ['outcome'],
    }),
    fleetReads: metrics.counter({
      name: 'simulator_fleet_reads_total',
      help: 'Reads of the flying fleet, by outcome: ok or failed.',
      labelNames: ['outcome'],
    }),
    flying: metrics.gauge({ name: 'simulator_drones_flying', help: 'Drones flying at the last fleet read.' }),
    tickDuration: metrics.histogram({
      name: 'simulator_tick_duration_seconds',
      help: 'Time of one tick: the fleet read, the decisions, and starting the calls that were due.',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    }),
  };
}

export type SimulatorMetrics = ReturnType<typeof simulatorMetrics>;
