// One trace across the whole system, as production exports it: every unit a process of its
// own with the telemetry preload, exporting OTLP/HTTP to a receiver in this test, the queue on
// a real Redis (BullMQ). One delivery request through the gateway must come back as one trace:
// gateway → ingestion → a PRODUCER span on publish → the workflow's CONSUMER span (its child)
// → package, dronescheduler and delivery. Metrics have one pipeline, each unit's Prometheus
// /metrics: none arrive over OTLP.
// Needs redis-server on the PATH (CI has it; locally it is skipped, and the run's summary
// says how to enable it).
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { gatewayRoutes, ORIGINAL_SAMPLE, pathOf } from '@dronedelivery/contracts';
import { startProcessFleet, startRedis, UNIT_NAMES, type UnitName } from '@dronedelivery/fleet';
import { devToken } from '@dronedelivery/gateway/dev-token';
import { redisServerInstalled } from '@dronedelivery/redis/testing';
import { ProcessGroup } from '@dronedelivery/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** The telemetry preload, as each unit's start script gives it (`node --import …/telemetry`). */
const TELEMETRY = fileURLToPath(new URL('../../packages/service-kit/src/telemetry.ts', import.meta.url));

interface ExportedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
}

/** OTLP/JSON span kinds. */
const KIND = { server: 2, client: 3, producer: 4, consumer: 5 } as const;

/** An OTLP/HTTP receiver: keeps every span (flattened) and which services sent metrics. */
class Receiver {
  readonly spans: ExportedSpan[] = [];
  readonly metricsFrom = new Set<string>();
  private readonly server: Server;
  url = '';

  constructor() {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown[]>;
        if (request.url === '/v1/traces') this.takeSpans(body);
        if (request.url === '/v1/metrics') for (const resource of body.resourceMetrics ?? []) this.metricsFrom.add(serviceOf(resource));
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
  }

  async start(): Promise<void> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private takeSpans(body: Record<string, unknown[]>): void {
    for (const resource of (body.resourceSpans ?? []) as { scopeSpans?: { spans?: Omit<ExportedSpan, 'service'>[] }[] }[]) {
      const service = serviceOf(resource);
      for (const scope of resource.scopeSpans ?? []) for (const span of scope.spans ?? []) this.spans.push({ ...span, service });
    }
  }
}

function serviceOf(resource: unknown): string {
  const attributes = (resource as { resource?: { attributes?: { key: string; value: { stringValue?: string } }[] } }).resource?.attributes;
  return attributes?.find((attribute) => attribute.key === 'service.name')?.value.stringValue ?? '?';
}

describe.runIf(redisServerInstalled())('one trace across the system (OTLP export, every unit a process)', () => {
  const group = new ProcessGroup();
  const receiver = new Receiver();
  let gateway = '';
  let urls: Record<UnitName, string>;
  const secret = 'trace-test-secret-that-is-long-enough-for-hs256';

  beforeAll(async () => {
    await receiver.start();
    const queue = await startRedis(group, { aof: false });
    const fleet = await startProcessFleet(group, {
      env: {
        JWT_SECRET: secret,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        // Export within a fraction of a second, so the test does not wait on batching.
        OTEL_BSP_SCHEDULE_DELAY: '100',
        // The one request this test sends must be recorded, whatever the default ratio.
        OTEL_TRACES_SAMPLER_ARG: '1',
        SHUTDOWN_DELAY_MS: '0',
      },
      envFor: Object.fromEntries(
        UNIT_NAMES.map((name) => [
          name,
          { OTEL_SERVICE_NAME: name, ...(name === 'ingestion' || name === 'workflow' ? { REDIS_URL: queue.url } : {}) },
        ]),
      ) as Partial<Record<UnitName, Record<string, string>>>,
      optionsFor: Object.fromEntries(
        UNIT_NAMES.map((name) => [name, { nodeArgs: ['--import', TELEMETRY], readyTimeoutMs: 60_000 }]),
      ) as Partial<Record<UnitName, { nodeArgs: string[]; readyTimeoutMs: number }>>,
    });
    gateway = fleet.urls.gateway;
    urls = fleet.urls;
  }, 120_000);

  afterAll(async () => {
    await group.stopAll();
    await receiver.close();
  });

  it('a delivery request is one trace through every unit, the queue hop a PRODUCER span and its CONSUMER child', async () => {
    const token = await devToken({ secret, ownerId: ORIGINAL_SAMPLE.ownerId });
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    // As a browser sends it: to the console, which passes /api on to the gateway.
    const accepted = await fetch(`${urls.console}${gatewayRoutes.requestDelivery.url}`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ ...ORIGINAL_SAMPLE, packageInfo: { ...ORIGINAL_SAMPLE.packageInfo, packageId: `trace-${Date.now()}` } }),
    });
    expect(accepted.status).toBe(202);
    const { deliveryId } = (await accepted.json()) as { deliveryId: string };
    const statusUrl = `${gateway}${pathOf(gatewayRoutes.deliveryStatus, { id: deliveryId })}`;
    await expect
      .poll(async () => ((await (await fetch(statusUrl, { headers })).json()) as { stage: string }).stage, { timeout: 30_000 })
      .not.toBe('Requested');

    // The trace of the request: the gateway's server span for the POST.
    const root = () =>
      receiver.spans.find((span) => span.service === 'gateway' && span.kind === KIND.server && span.name.includes('deliveryrequests'));
    await expect.poll(() => root() !== undefined, { timeout: 15_000 }).toBe(true);
    const traceId = root()?.traceId as string;
    const inTrace = () => receiver.spans.filter((span) => span.traceId === traceId);
    const services = () => new Set(inTrace().map((span) => span.service));
    // Every unit but the simulator, which has its own traces (below).
    const inRequest = UNIT_NAMES.filter((name) => name !== 'simulator');
    await expect.poll(() => [...services()].sort(), { timeout: 15_000 }).toEqual([...inRequest].sort());
    expect(inTrace().some((span) => span.service === 'console' && span.kind === KIND.server)).toBe(true);

    // The CONSUMER span ends after the calls made inside it, so it can come in a later export
    // batch than theirs: every unit present in the trace does not mean it has arrived.
    const consumerSpan = () => inTrace().find((span) => span.service === 'workflow' && span.kind === KIND.consumer);
    await expect.poll(() => consumerSpan() !== undefined, { timeout: 15_000 }).toBe(true);
    const producer = inTrace().find((span) => span.service === 'ingestion' && span.kind === KIND.producer);
    const consumer = consumerSpan();
    expect(producer, 'a PRODUCER span in ingestion').toBeDefined();
    expect(consumer?.parentSpanId, "the workflow's CONSUMER span is the PRODUCER span's child").toBe(producer?.spanId);
    // The workflow's calls are children of its consumer span, and each backend answered in the same trace.
    for (const backend of ['package', 'dronescheduler', 'delivery'] as const)
      expect(
        inTrace().some((span) => span.service === backend && span.kind === KIND.server),
        `${backend} served a call in the trace`,
      ).toBe(true);

    // The simulator's fleet read is a trace of its own: simulator -> gateway -> dronescheduler.
    const fleetRead = () =>
      receiver.spans.find(
        (span) =>
          span.service === 'gateway' &&
          span.kind === KIND.server &&
          span.name.includes('/api/drones') &&
          receiver.spans.some((other) => other.traceId === span.traceId && other.service === 'simulator'),
      );
    await expect.poll(() => fleetRead() !== undefined, { timeout: 15_000 }).toBe(true);
    const fleetTrace = receiver.spans.filter((span) => span.traceId === fleetRead()?.traceId);
    expect(fleetTrace.some((span) => span.service === 'dronescheduler' && span.kind === KIND.server)).toBe(true);

    // Every unit's metrics are scraped from it (Prometheus), and none are sent over OTLP too.
    for (const name of UNIT_NAMES) {
      const metrics = await (await fetch(`${urls[name]}/metrics`)).text();
      expect(metrics, `${name}'s /metrics`).toContain('# TYPE http_server_request_duration_seconds histogram');
    }
    expect([...receiver.metricsFrom]).toEqual([]);
  }, 90_000);
});
