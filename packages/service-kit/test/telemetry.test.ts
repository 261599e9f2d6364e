import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

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

let child: ChildProcess;
const lines: Record<string, unknown>[] = [];
let base: string;
let exitCode: Promise<number | null>;

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

  child = spawn(process.execPath, ['--import', telemetry, entry], {
    env: {
      PATH: process.env.PATH,
      HOST: '127.0.0.1',
      PORT: '0',
      SHUTDOWN_DELAY_MS: '0',
      OTEL_SERVICE_NAME: 'traced-service',
      OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  exitCode = once(child, 'exit').then(([code]) => code as number | null);
  base = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`traced-service exited with ${code} before listening`)));
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const complete = buffered.split('\n');
      buffered = complete.pop() ?? '';
      for (const text of complete.filter(Boolean)) {
        const line = JSON.parse(text) as Record<string, unknown>;
        lines.push(line);
        const listening = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(String(line.msg));
        if (listening?.[1]) resolve(listening[1]);
      }
    });
  });
});

afterAll(async () => {
  if (child.exitCode === null) child.kill('SIGKILL');
  collector.close();
});

describe('telemetry preload (child process, OTLP to a local receiver)', () => {
  it('propagates one trace across an outbound call, logs its ids, and exports the spans', async () => {
    const incomingTraceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const response = await fetch(`${base}/hop`, { headers: { traceparent: `00-${incomingTraceId}-00f067aa0ba902b7-01` } });
    expect(response.status).toBe(200);
    const { traceparent } = (await response.json()) as { traceparent: string };
    // The leaf saw W3C trace context continuing the caller's trace.
    expect(traceparent).toMatch(new RegExp(`^00-${incomingTraceId}-[0-9a-f]{16}-01$`));

    const logged = lines.filter((line) => line.msg === 'hop calling leaf' || line.msg === 'leaf reached');
    expect(logged).toHaveLength(2);
    for (const line of logged) expect(line.trace_id).toBe(incomingTraceId);

    child.kill('SIGTERM');
    expect(await exitCode).toBe(0);
    expect(serviceNames).toContain('traced-service');
    const inTrace = spans.filter((span) => span.traceId === incomingTraceId);
    const serverSpans = inTrace.filter((span) => span.kind === 2);
    const clientSpans = inTrace.filter((span) => span.kind === 3);
    expect(serverSpans.length).toBeGreaterThanOrEqual(2);
    expect(clientSpans.length).toBeGreaterThanOrEqual(1);
    // The leaf's server span is a child of the outbound client span.
    const leafParent = traceparent.split('-')[2];
    expect(clientSpans.map((span) => span.spanId)).toContain(leafParent);
  });
});
