// OpenTelemetry, started before the service's own modules load:
//   node --import @dronedelivery/service-kit/telemetry src/main.ts
// Traces go to an OTLP endpoint when OTEL_EXPORTER_OTLP_ENDPOINT is set, to Azure Monitor when
// APPLICATIONINSIGHTS_CONNECTION_STRING is set, and nowhere otherwise. Spans are still created
// then, so logs carry trace ids and trace context still crosses services.
// OTEL_SDK_DISABLED=true turns all of it off. Metrics have one pipeline, the Prometheus
// /metrics of every service (metrics.ts), so the SDK exports none.
//
// What it costs is measured by `pnpm bench` (telemetry on and off, side by side); the choices
// here come from those runs:
// - One span per request, from @fastify/otel, named after the route. The http instrumentation
//   would add a second server span per request for nothing Fastify does not already know.
// - Sampling is decided at the edge: a new trace is recorded with DEFAULT_TRACE_SAMPLE_RATIO
//   unless OTEL_TRACES_SAMPLER(_ARG) say otherwise, and every service downstream follows the
//   caller's decision (parent-based), so a trace is whole or absent. An unrecorded trace
//   still has its id, in logs and across services.
// - Only the modules instrumented by patching (ioredis, mongodb) go through the ES-module
//   loader hook; every other module loads as it would without telemetry.
//
// This module runs before a service's configuration is parsed, so it parses its own
// variables (telemetryEnvironmentSchema in config.ts); a bad one stops start-up.
import { register } from 'node:module';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  AlwaysOffSampler,
  BatchSpanProcessor,
  NoopSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace';
import type { FastifyRequest } from 'fastify';
import { DEFAULT_TRACE_SAMPLE_RATIO, loadConfigOrExit, telemetryEnvironmentSchema } from './config.ts';
import { onTelemetryShutdown } from './telemetry-shutdown.ts';

const env = loadConfigOrExit('telemetry', telemetryEnvironmentSchema);
const OPERATIONAL_PATHS = /^\/(healthz\/|metrics$)/;
/** The packages instrumented by patching their exports: the only ones the loader hook wraps. */
const PATCHED_PACKAGES = ['ioredis', 'mongodb'];

/** A request's span is named for its route ("POST /api/deliveryrequests"), never for its raw URL. */
function nameAfterRoute(span: { updateName(name: string): unknown }, request: FastifyRequest): void {
  span.updateName(request.routeOptions.url ? `${request.method} ${request.routeOptions.url}` : request.method);
}

/** Fastify route spans (no span per lifecycle hook: the kit's hooks cost less than a span each). */
const fastifyInstrumentation = () =>
  new FastifyOtelInstrumentation({
    registerOnInitialization: true,
    instrumentHooks: false,
    ignorePaths: ({ url }) => OPERATIONAL_PATHS.test(url),
    requestHook: nameAfterRoute,
  });

function instrumentations(): Instrumentation[] {
  return [
    fastifyInstrumentation(),
    // Outbound calls: a client span each, and the trace context they carry.
    new UndiciInstrumentation(),
    // Datastore calls, inside a request or a job only: a worker's idle polling is not a trace.
    new IORedisInstrumentation({ requireParentSpan: true }),
    new MongoDBInstrumentation({ requireParentSpan: true }),
  ];
}

/**
 * Parent-based: a service follows its caller's decision; a trace that starts here is recorded
 * with the configured ratio. OTEL_TRACES_SAMPLER, when set, is the SDK's to interpret.
 */
function sampler(): Sampler | undefined {
  if (env.OTEL_TRACES_SAMPLER) return undefined;
  const ratio = env.OTEL_TRACES_SAMPLER_ARG ?? DEFAULT_TRACE_SAMPLE_RATIO;
  return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
}

async function startAzureMonitor(connectionString: string, extraSpanProcessors: SpanProcessor[]): Promise<() => Promise<void>> {
  // Loaded only when used: the distro is large and most runs never need it.
  const { useAzureMonitor, shutdownAzureMonitor } = await import('@azure/monitor-opentelemetry');
  useAzureMonitor({
    azureMonitorExporterOptions: { connectionString },
    instrumentationOptions: { http: { enabled: true }, mongoDb: { enabled: true }, redis: { enabled: true }, redis4: { enabled: true } },
    spanProcessors: extraSpanProcessors,
  });
  // The distro covers http, databases and redis; add what it lacks (undici carries trace
  // context on outbound calls; Fastify gives route spans).
  registerInstrumentations({ instrumentations: [new UndiciInstrumentation(), fastifyInstrumentation()] });
  return shutdownAzureMonitor;
}

function startNodeSdk(otlpEndpoint: string | undefined): () => Promise<void> {
  const chosen = sampler();
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME ?? process.env.npm_package_name?.replace(/^@dronedelivery\//, '') ?? 'dronedelivery',
    ...(otlpEndpoint
      ? { spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })], ...(chosen ? { sampler: chosen } : {}) }
      : // Nowhere to send spans: record none, but keep (and propagate) trace ids so
        // logs from every service still join up on trace_id.
        { spanProcessors: [new NoopSpanProcessor()], sampler: new AlwaysOffSampler() }),
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: instrumentations(),
  });
  sdk.start();
  return () => sdk.shutdown();
}

async function start(): Promise<void> {
  if (env.OTEL_SDK_DISABLED === 'true') return;
  // ES modules can only be patched through a loader hook registered before they load.
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, { data: { include: PATCHED_PACKAGES } });
  const otlpEndpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || undefined;
  const connectionString = env.APPLICATIONINSIGHTS_CONNECTION_STRING || undefined;
  const shutdown = connectionString
    ? await startAzureMonitor(connectionString, otlpEndpoint ? [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })] : [])
    : startNodeSdk(otlpEndpoint);
  // Graceful shutdown flushes what is buffered before the process exits.
  onTelemetryShutdown(shutdown);
}

await start();
