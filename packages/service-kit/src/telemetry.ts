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
// - The tracing SDK only, loaded only when telemetry is on.
//
// This module runs before a service's configuration is parsed, so it parses its own
// variables (telemetryEnvironmentSchema in config.ts); a bad one stops start-up.
import { register } from 'node:module';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { Sampler, SpanProcessor } from '@opentelemetry/sdk-trace';
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

/**
 * What the kit instruments. Loaded only when telemetry is on: a service with it off loads none
 * of the SDK.
 */
async function instrumentations(): Promise<{ all: Instrumentation[]; addedToAzure: Instrumentation[] }> {
  const [{ FastifyOtelInstrumentation }, { UndiciInstrumentation }, { IORedisInstrumentation }, { MongoDBInstrumentation }] =
    await Promise.all([
      import('@fastify/otel'),
      import('@opentelemetry/instrumentation-undici'),
      import('@opentelemetry/instrumentation-ioredis'),
      import('@opentelemetry/instrumentation-mongodb'),
    ]);
  // Fastify route spans (no span per lifecycle hook: the kit's hooks cost less than a span each).
  const fastify = new FastifyOtelInstrumentation({
    registerOnInitialization: true,
    instrumentHooks: false,
    ignorePaths: ({ url }) => OPERATIONAL_PATHS.test(url),
    requestHook: nameAfterRoute,
  });
  // Outbound calls: a client span each, and the trace context they carry.
  const undici = new UndiciInstrumentation();
  return {
    all: [
      fastify,
      undici,
      // Datastore calls, inside a request or a job only: a worker's idle polling is not a trace.
      new IORedisInstrumentation({ requireParentSpan: true }),
      new MongoDBInstrumentation({ requireParentSpan: true }),
    ],
    // The Azure Monitor distro covers http, databases and redis itself.
    addedToAzure: [undici, fastify],
  };
}

/**
 * Parent-based by default: a service follows its caller's decision, and a trace that starts
 * here is recorded with the configured ratio. OTEL_TRACES_SAMPLER picks another of the
 * standard samplers.
 */
async function sampler(): Promise<Sampler> {
  const { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler, TraceIdRatioBasedSampler } = await import('@opentelemetry/sdk-trace');
  const ratio = env.OTEL_TRACES_SAMPLER_ARG ?? DEFAULT_TRACE_SAMPLE_RATIO;
  switch (env.OTEL_TRACES_SAMPLER) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    default:
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
  }
}

async function otlpSpanProcessor(): Promise<SpanProcessor> {
  const [{ BatchSpanProcessor }, { OTLPTraceExporter }] = await Promise.all([
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/exporter-trace-otlp-http'),
  ]);
  return new BatchSpanProcessor({
    exporter: new OTLPTraceExporter(),
    ...(env.OTEL_BSP_SCHEDULE_DELAY === undefined ? {} : { scheduledDelayMillis: env.OTEL_BSP_SCHEDULE_DELAY }),
  });
}

async function startAzureMonitor(connectionString: string, otlp: SpanProcessor | undefined): Promise<() => Promise<void>> {
  // Loaded only when used: the distro is large and most runs never need it.
  const [{ useAzureMonitor, shutdownAzureMonitor }, { registerInstrumentations }, { addedToAzure }] = await Promise.all([
    import('@azure/monitor-opentelemetry'),
    import('@opentelemetry/instrumentation'),
    instrumentations(),
  ]);
  useAzureMonitor({
    azureMonitorExporterOptions: { connectionString },
    instrumentationOptions: { http: { enabled: true }, mongoDb: { enabled: true }, redis: { enabled: true }, redis4: { enabled: true } },
    spanProcessors: otlp ? [otlp] : [],
  });
  registerInstrumentations({ instrumentations: addedToAzure });
  return shutdownAzureMonitor;
}

/**
 * The tracing SDK and nothing else (NodeSDK would also load the gRPC, protobuf, Zipkin and
 * Prometheus exporters and the metrics and logs SDKs, which cost each process tens of MB).
 */
async function startTracing(otlpEndpoint: string | undefined): Promise<() => Promise<void>> {
  const [api, { AsyncLocalStorageContextManager }, core, resources, traceSdk, { registerInstrumentations }, { all }] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/core'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/instrumentation'),
    instrumentations(),
  ]);
  const fallbackName = process.env.npm_package_name?.replace(/^@dronedelivery\//, '') ?? 'dronedelivery';
  const provider = new traceSdk.TracerProvider({
    // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (the env detector) over the package's name.
    resource: resources
      .resourceFromAttributes({ 'service.name': fallbackName })
      .merge(resources.detectResources({ detectors: [resources.envDetector] })),
    ...(otlpEndpoint
      ? { spanProcessors: [await otlpSpanProcessor()], sampler: await sampler() }
      : // Nowhere to send spans: record none, but keep (and propagate) trace ids so
        // logs from every service still join up on trace_id.
        { spanProcessors: [], sampler: new traceSdk.AlwaysOffSampler() }),
  });
  api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  api.propagation.setGlobalPropagator(
    new core.CompositePropagator({ propagators: [new core.W3CTraceContextPropagator(), new core.W3CBaggagePropagator()] }),
  );
  api.trace.setGlobalTracerProvider(provider);
  registerInstrumentations({ instrumentations: all, tracerProvider: provider });
  return () => provider.shutdown();
}

/**
 * ES modules can only be patched through a loader hook registered before they load. In-thread
 * (module.registerHooks) where Node has it: the off-thread loader of module.register runs a
 * second JavaScript engine for the process's lifetime, about 40 MB of memory per process.
 * It must be the copy of import-in-the-middle the instrumentations use (the same version).
 */
async function registerLoaderHook(): Promise<void> {
  const { register: registerInThread, supportsSyncHooks } = await import('import-in-the-middle/register-hooks.mjs');
  if (supportsSyncHooks()) registerInThread({ include: PATCHED_PACKAGES });
  else register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, { data: { include: PATCHED_PACKAGES } });
}

async function start(): Promise<void> {
  if (env.OTEL_SDK_DISABLED === 'true') return;
  await registerLoaderHook();
  const otlpEndpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || undefined;
  const connectionString = env.APPLICATIONINSIGHTS_CONNECTION_STRING || undefined;
  const shutdown = connectionString
    ? await startAzureMonitor(connectionString, otlpEndpoint ? await otlpSpanProcessor() : undefined)
    : await startTracing(otlpEndpoint);
  // Graceful shutdown flushes what is buffered before the process exits.
  onTelemetryShutdown(shutdown);
}

await start();
