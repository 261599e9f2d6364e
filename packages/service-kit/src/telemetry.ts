// OpenTelemetry, started before the service's own modules load:
//   node --import @dronedelivery/service-kit/telemetry src/main.ts
// Traces (and OTel metrics) go to an OTLP endpoint when OTEL_EXPORTER_OTLP_ENDPOINT is
// set, to Azure Monitor when APPLICATIONINSIGHTS_CONNECTION_STRING is set, and nowhere
// otherwise. Spans are still created then, so logs carry trace ids and trace context
// still crosses services. OTEL_SDK_DISABLED=true turns all of it off.
//
// This module runs before a service's configuration is parsed, so it parses its own
// variables (telemetryEnvironmentSchema in config.ts); a bad one stops start-up.
import { register } from 'node:module';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { AlwaysOffSampler, BatchSpanProcessor, NoopSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { loadConfigOrExit, telemetryEnvironmentSchema } from './config.ts';
import { onTelemetryShutdown } from './telemetry-shutdown.ts';

const env = loadConfigOrExit('telemetry', telemetryEnvironmentSchema);
const OPERATIONAL_PATHS = /^\/(healthz\/|metrics$)/;

function instrumentations(): Instrumentation[] {
  return [
    ...getNodeAutoInstrumentations({
      // Noise without insight for a web service: every file read and DNS lookup.
      '@opentelemetry/instrumentation-fs': { enabled: false },
      '@opentelemetry/instrumentation-dns': { enabled: false },
      '@opentelemetry/instrumentation-net': { enabled: false },
      '@opentelemetry/instrumentation-http': {
        ignoreIncomingRequestHook: (request) => OPERATIONAL_PATHS.test(request.url ?? ''),
      },
    }),
    // Fastify route and hook spans (not part of the auto-instrumentation bundle).
    // Route handler spans; no span per lifecycle hook (the kit's hooks are trivial and
    // a span each cost more than the hooks themselves).
    new FastifyOtelInstrumentation({
      registerOnInitialization: true,
      instrumentHooks: false,
      ignorePaths: ({ url }) => OPERATIONAL_PATHS.test(url),
    }),
  ];
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
  registerInstrumentations({
    instrumentations: [
      new UndiciInstrumentation(),
      new FastifyOtelInstrumentation({ registerOnInitialization: true, instrumentHooks: false }),
    ],
  });
  return shutdownAzureMonitor;
}

function startNodeSdk(otlpEndpoint: string | undefined): () => Promise<void> {
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME ?? process.env.npm_package_name?.replace(/^@dronedelivery\//, '') ?? 'dronedelivery',
    ...(otlpEndpoint
      ? { spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })] }
      : // Nowhere to send spans: record none, but keep (and propagate) trace ids so
        // logs from every service still join up on trace_id.
        { spanProcessors: [new NoopSpanProcessor()], sampler: new AlwaysOffSampler() }),
    metricReaders: otlpEndpoint
      ? [
          new PeriodicExportingMetricReader({
            exporter: new OTLPMetricExporter(),
            ...(env.OTEL_METRIC_EXPORT_INTERVAL ? { exportIntervalMillis: env.OTEL_METRIC_EXPORT_INTERVAL } : {}),
          }),
        ]
      : [],
    logRecordProcessors: [],
    instrumentations: instrumentations(),
  });
  sdk.start();
  return () => sdk.shutdown();
}

async function start(): Promise<void> {
  if (env.OTEL_SDK_DISABLED === 'true') return;
  // ES modules can only be instrumented through a loader hook registered before they load.
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
  const otlpEndpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || undefined;
  const connectionString = env.APPLICATIONINSIGHTS_CONNECTION_STRING || undefined;
  const shutdown = connectionString
    ? await startAzureMonitor(connectionString, otlpEndpoint ? [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })] : [])
    : startNodeSdk(otlpEndpoint);
  // Graceful shutdown flushes what is buffered before the process exits.
  onTelemetryShutdown(shutdown);
}

await start();
