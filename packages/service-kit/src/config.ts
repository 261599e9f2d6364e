// Reads a service's configuration from the environment, once, through a zod schema.
// Every service extends `baseConfigSchema`; a bad or missing variable stops start-up
// with one message that lists every problem, not just the first.
import { z } from 'zod';

const milliseconds = z.coerce.number().int().min(0);

/** Settings every service has: listening address, logging, shutdown and load shedding. */
export const baseConfigSchema = z.object({
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** A request not finished receiving within this long gets 408 (slow-client protection; 0 = off). */
  REQUEST_TIMEOUT_MS: milliseconds.default(30_000),
  /** Largest accepted request body. */
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(64 * 1024),
  /** How long readiness reports "draining" before the server stops accepting, so load balancers notice. */
  SHUTDOWN_DELAY_MS: milliseconds.default(5_000),
  /** How long in-flight requests get to finish once the server stops accepting. */
  DRAIN_TIMEOUT_MS: milliseconds.default(10_000),
  /** After this long the process exits non-zero whatever is still running. */
  SHUTDOWN_HARD_TIMEOUT_MS: milliseconds.default(25_000),
  /** Load shedding: answer 503 + Retry-After when the event loop lags more than this (0 = off). */
  LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: milliseconds.default(1_000),
  /**
   * Load shedding on event-loop utilisation, 0..1 (0 = off). Off by default: a saturated but
   * healthy process sits near 1, so delay is the better signal of requests waiting too long.
   */
  LOAD_SHED_MAX_EVENT_LOOP_UTILIZATION: z.coerce.number().min(0).max(1).default(0),
  /** Load shedding on V8 heap in use (0 = off); set it below the container's memory limit. */
  LOAD_SHED_MAX_HEAP_USED_BYTES: z.coerce.number().int().min(0).default(0),
  LOAD_SHED_RETRY_AFTER_SECONDS: z.coerce.number().int().min(1).default(10),
});

export type BaseConfig = z.infer<typeof baseConfigSchema>;

/**
 * The share of traces that start in a service and are recorded, when OTEL_TRACES_SAMPLER_ARG
 * does not say: chosen from `pnpm bench`, where telemetry recording every trace cost the
 * gateway 38 % of its throughput and recording one trace in ten 18 % (loadtest/README.md).
 */
export const DEFAULT_TRACE_SAMPLE_RATIO = 0.1;

/**
 * What the telemetry preload (and the OpenTelemetry SDK under it) reads, before a service's
 * own configuration is parsed. Declared like any other setting so that deployment manifests
 * can be checked against it.
 */
export const telemetryEnvironmentSchema = z.object({
  OTEL_SDK_DISABLED: z.enum(['true', 'false']).optional(),
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url().optional(),
  OTEL_RESOURCE_ATTRIBUTES: z.string().min(1).optional(),
  /** A sampler of the SDK's own (always_on, parentbased_always_off...); unset: parent-based with OTEL_TRACES_SAMPLER_ARG. */
  OTEL_TRACES_SAMPLER: z
    .enum(['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'])
    .optional(),
  /** The share of new traces recorded, 0..1 (default DEFAULT_TRACE_SAMPLE_RATIO). */
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).optional(),
  /** How long spans wait to be exported in a batch, in ms (default 5000). */
  OTEL_BSP_SCHEDULE_DELAY: z.coerce.number().int().min(0).optional(),
  /** Azure Monitor (Application Insights); from a Secret or Key Vault. */
  APPLICATIONINSIGHTS_CONNECTION_STRING: z.string().min(1).optional(),
});

export interface ConfigProblem {
  variable: string;
  message: string;
}

/** Thrown when the environment does not satisfy a service's schema. */
export class ConfigError extends Error {
  readonly problems: ConfigProblem[];

  constructor(service: string, problems: ConfigProblem[]) {
    const lines = problems.map((p) => `  - ${p.variable}: ${p.message}`);
    super(`Invalid configuration for ${service} (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines.join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Environment = Record<string, string | undefined>;

/** Parses `env` with `schema`; throws a ConfigError naming every bad or missing variable. */
export function loadConfig<S extends z.ZodType>(service: string, schema: S, env: Environment): z.infer<S> {
  // An empty string is how shells and manifests say "unset"; let defaults apply.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => ({
    variable: issue.path.map(String).join('.') || '(environment)',
    message: issue.message,
  }));
  throw new ConfigError(service, problems);
}

/** For a process entry point: like loadConfig, but prints the problems and exits 1. */
export function loadConfigOrExit<S extends z.ZodType>(service: string, schema: S, env: Environment = process.env): z.infer<S> {
  try {
    return loadConfig(service, schema, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
