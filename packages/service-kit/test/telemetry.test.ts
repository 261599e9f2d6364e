import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServiceProcess, spawnService } from '../src/testing.ts';

const telemetry = fileURLToPath(new URL('../src/telemetry.ts', import.meta.url));
const entry = fileURLToPath(new URL('./fixtures/traced-service.ts', import.meta.url));

interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
}

/** A minimal OTLP/HTTP JSON receiver: records every span it is sent. */
let collector: Server;
let collectorUrl: string;
const spans: ExportedSpan[] = [];
const serviceNames = new Set<string>();

let service: ServiceProcess;
let base: string;

beforeAll(async () => {
  collector = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      if (request.url === '/v1/traces') {
        const payload = JSON.parse(body) as {
          resourceSpans: {
            resource: { attributes: { key: string; value: { stringValue?: string } }[] };
            scopeSpans: { spans: ExportedSpan[] }[];
          }[];
        };
        for (const resourceSpans of payload.resourceSpans) {
          const name = resourceSpans.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue;
          if (name) serviceNames.add(name);
          for (const scope of resourceSpans.scopeSpans) spans.push(...scope.spans);
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  collector.listen(0, '127.0.0.1');
  await once(collector, 'listening');
  collectorUrl = `http://127.0.0.1:${(collector.address() as { port: number }).port}`;

  service = spawnService(['--import', telemetry, entry], {
    SHUTDOWN_DELAY_MS: '0',
    OTEL_SERVICE_NAME: 'traced-service',
    OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '100',
  });
  base = await service.url;
});

afterAll(async () => {
  if (service.child.exitCode === null) service.child.kill('SIGKILL');
  collector.close();
});

describe('telemetry preload (child process, OTLP to a local receiver)', () => {
  const unsampledTraceId = '0af7651916cd43dd8448eb211c80319c';

  it("follows the caller's decision not to record: the trace id still crosses the call and reaches the logs", async () => {
    const response = await fetch(`${base}/hop`, { headers: { traceparent: `00-${unsampledTraceId}-b7ad6b7169203331-00` } });
    expect(response.status).toBe(200);
    const { traceparent } = (await response.json()) as { traceparent: string };
    expect(traceparent).toMatch(new RegExp(`^00-${unsampledTraceId}-[0-9a-f]{16}-00$`));
    const logged = service.lines.filter((line) => line.trace_id === unsampledTraceId);
    expect(logged.map((line) => line.msg)).toEqual(expect.arrayContaining(['hop calling leaf', 'leaf reached']));
    // Whether anything of it was exported is known once the process has flushed: see below.
  });

  it('propagates one trace across an outbound call, logs its ids, and exports the spans', async () => {
    const incomingTraceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const response = await fetch(`${base}/hop`, { headers: { traceparent: `00-${incomingTraceId}-00f067aa0ba902b7-01` } });
    expect(response.status).toBe(200);
    const { traceparent } = (await response.json()) as { traceparent: string };
    // The leaf saw W3C trace context continuing the caller's trace.
    expect(traceparent).toMatch(new RegExp(`^00-${incomingTraceId}-[0-9a-f]{16}-01$`));

    const logged = service.lines.filter(
      (line) => line.trace_id !== unsampledTraceId && (line.msg === 'hop calling leaf' || line.msg === 'leaf reached'),
    );
    expect(logged).toHaveLength(2);
    for (const line of logged) expect(line.trace_id).toBe(incomingTraceId);

    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(0);
    expect(serviceNames).toContain('traced-service');
    const inTrace = spans.filter((span) => span.traceId === incomingTraceId);
    const serverSpans = inTrace.filter((span) => span.kind === 2);
    const clientSpans = inTrace.filter((span) => span.kind === 3);
    expect(serverSpans.length).toBeGreaterThanOrEqual(2);
    expect(clientSpans.length).toBeGreaterThanOrEqual(1);
    // The leaf's server span is a child of the outbound client span.
    const leafParent = traceparent.split('-')[2];
    expect(clientSpans.map((span) => span.spanId)).toContain(leafParent);
    // The caller had decided not to record its trace, so no span of it was exported.
    expect(spans.filter((span) => span.traceId === unsampledTraceId)).toEqual([]);
  });
});

describe('telemetry preload with Azure Monitor (child process, a local HTTPS ingestion endpoint)', () => {
  it('sends request telemetry to the ingestion endpoint of APPLICATIONINSIGHTS_CONNECTION_STRING', async () => {
    // The Azure exporter always speaks TLS: make a throwaway certificate for 127.0.0.1 and trust it in the child.
    const dir = mkdtempSync(join(tmpdir(), 'appinsights-'));
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      {
        stdio: 'ignore',
      },
    );
    const envelopes: { name: string; data?: { baseData?: { url?: string; name?: string } }; tags?: Record<string, string> }[] = [];
    const ingestion = createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        let body = Buffer.concat(chunks);
        if (request.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
        if (request.url?.includes('/track')) envelopes.push(...(JSON.parse(body.toString()) as typeof envelopes));
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"itemsReceived":0,"itemsAccepted":0,"errors":[]}');
      });
    });
    ingestion.listen(0, '127.0.0.1');
    await once(ingestion, 'listening');
    const endpoint = `https://127.0.0.1:${(ingestion.address() as { port: number }).port}/`;
    const azure = spawnService(['--import', telemetry, entry], {
      SHUTDOWN_DELAY_MS: '0',
      OTEL_SERVICE_NAME: 'traced-service',
      NODE_EXTRA_CA_CERTS: cert,
      // The distro's default rate-limited sampler may drop the first requests of a process.
      OTEL_TRACES_SAMPLER: 'always_on',
      APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=${endpoint};LiveEndpoint=${endpoint}`,
    });
    try {
      const serviceBase = await azure.url;
      const response = await fetch(`${serviceBase}/hop`);
      const { traceparent } = (await response.json()) as { traceparent: string | null };
      expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      azure.child.kill('SIGTERM');
      expect(await azure.exited).toBe(0);
      // The incoming request and its outbound call were reported as one operation: the trace.
      const operation = traceparent?.split('-')[1];
      const reported = envelopes.map((envelope) => [envelope.name, envelope.data?.baseData?.name, envelope.tags?.['ai.operation.id']]);
      expect(reported).toContainEqual(['Microsoft.ApplicationInsights.Request', 'GET /hop', operation]);
      expect(reported).toContainEqual(['Microsoft.ApplicationInsights.RemoteDependency', 'GET /leaf', operation]);
    } finally {
      if (azure.child.exitCode === null) azure.child.kill('SIGKILL');
      ingestion.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
