// Prometheus metrics for one service: the RED request histogram, process metrics, and
// a small API for a service's own counters, gauges and histograms. One registry per
// app instance, so several services can share a process (embedded mode) and tests.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface MetricDefinition<L extends string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
}

export class Metrics {
  readonly registry: Registry;
  readonly httpRequestDuration: Histogram<'method' | 'route' | 'status_code'>;

  constructor(service: string) {
    this.registry = new Registry();
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
    this.httpRequestDuration = this.histogram({
      name: 'http_server_request_duration_seconds',
      help: 'Duration of HTTP requests served, by method, route template and status code.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
  }

  counter<L extends string>(definition: MetricDefinition<L>): Counter<L> {
    return (
      this.existing(definition.name) ?? new Counter({ ...definition, labelNames: definition.labelNames ?? [], registers: [this.registry] })
    );
  }

  gauge<L extends string>(definition: MetricDefinition<L> & { collect?: (this: Gauge<L>) => void | Promise<void> }): Gauge<L> {
    return (
      this.existing(definition.name) ?? new Gauge({ ...definition, labelNames: definition.labelNames ?? [], registers: [this.registry] })
    );
  }

  histogram<L extends string>(definition: MetricDefinition<L> & { buckets?: number[] }): Histogram<L> {
    return (
      this.existing(definition.name) ??
      new Histogram({ ...definition, labelNames: definition.labelNames ?? [], registers: [this.registry] })
    );
  }

  // Two clients of the same upstream (say) ask for the same metric: share it.
  private existing<M>(name: string): M | undefined {
    return this.registry.getSingleMetric(name) as M | undefined;
  }
}
