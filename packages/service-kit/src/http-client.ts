// Outbound HTTP to one upstream service, with the resilience every call needs: a
// keep-alive pool (undici), a per-attempt timeout, retries with exponential backoff and
// full jitter (idempotent requests only, unless the caller says the request is safe to
// repeat), a circuit breaker and a bulkhead (cockatiel), all visible in metrics.
// W3C trace context is added to each request by the OpenTelemetry undici instrumentation.
import {
  BrokenCircuitError,
  BulkheadRejectedError,
  bulkhead,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  DelegateBackoff,
  handleWhen,
  retry,
  TaskCancelledError,
  TimeoutStrategy,
  timeout,
  wrap,
} from 'cockatiel';
import { Pool } from 'undici';
import { z } from 'zod';
import type { Metrics } from './metrics.ts';

/**
 * The client's settings, each once: its meaning, its environment variable, its least value and
 * its default. The settings type, the defaults, the config schema every calling service
 * extends and the mapping from config to settings are all derived from this table.
 */
const SETTINGS = {
  /** Per attempt, including reading the response body. */
  timeoutMs: { variable: 'UPSTREAM_TIMEOUT_MS', min: 1, default: 2_000 },
  /** Retries after the first attempt. */
  retries: { variable: 'UPSTREAM_RETRIES', min: 0, default: 3 },
  retryBaseDelayMs: { variable: 'UPSTREAM_RETRY_BASE_DELAY_MS', min: 0, default: 100 },
  retryMaxDelayMs: { variable: 'UPSTREAM_RETRY_MAX_DELAY_MS', min: 0, default: 2_000 },
  /** Consecutive failures that open the breaker. */
  breakerThreshold: { variable: 'UPSTREAM_BREAKER_THRESHOLD', min: 1, default: 5 },
  /** How long the breaker stays open before letting one trial request through. */
  breakerHalfOpenAfterMs: { variable: 'UPSTREAM_BREAKER_HALF_OPEN_AFTER_MS', min: 1, default: 10_000 },
  /** Requests executing at once; more wait in the queue, beyond it they are rejected. */
  bulkheadLimit: { variable: 'UPSTREAM_BULKHEAD_LIMIT', min: 1, default: 64 },
  bulkheadQueue: { variable: 'UPSTREAM_BULKHEAD_QUEUE', min: 0, default: 256 },
  /** Keep-alive connections to the upstream. */
  connections: { variable: 'UPSTREAM_CONNECTIONS', min: 1, default: 32 },
} as const;

type Setting = keyof typeof SETTINGS;
type Variable = (typeof SETTINGS)[Setting]['variable'];

export type HttpClientSettings = { [K in Setting]: number };

const entries = Object.entries(SETTINGS) as [Setting, (typeof SETTINGS)[Setting]][];

export const defaultHttpClientSettings = Object.fromEntries(
  entries.map(([name, setting]) => [name, setting.default]),
) as HttpClientSettings;

export interface HttpClientOptions extends Partial<HttpClientSettings> {
  /** Names the upstream in metrics and errors, e.g. "package". */
  upstream: string;
  baseUrl: string;
  metrics?: Metrics;
}

export interface HttpRequest {
  method: 'GET' | 'HEAD' | 'PUT' | 'DELETE' | 'POST' | 'PATCH' | 'OPTIONS';
  path: string;
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string | undefined>;
  /** Serialised as JSON. */
  body?: unknown;
  /** A POST or PATCH that is safe to repeat (e.g. carries an idempotency key) may be retried. */
  idempotent?: boolean;
  signal?: AbortSignal;
}

export interface HttpResponse<T = unknown> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

export type UpstreamFailure = 'timeout' | 'network' | 'status' | 'circuit-open' | 'bulkhead-full' | 'aborted';

/** A call that did not produce a usable response; `reason` tells callers whether to try later. */
export class UpstreamError extends Error {
  readonly upstream: string;
  readonly reason: UpstreamFailure;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly body: unknown;

  constructor(
    upstream: string,
    reason: UpstreamFailure,
    message: string,
    details: { status?: number; retryAfterMs?: number; body?: unknown; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'UpstreamError';
    this.upstream = upstream;
    this.reason = reason;
    this.status = details.status;
    this.retryAfterMs = details.retryAfterMs;
    this.body = details.body;
  }
}

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
/** Statuses that say "not now" rather than "never": worth another attempt, and a breaker failure. */
const TRANSIENT_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

function parseRetryAfter(value: string | string[] | undefined): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

async function readBody(contentType: string | string[] | undefined, body: { text(): Promise<string> }): Promise<unknown> {
  const text = await body.text();
  if (text === '') return undefined;
  return typeof contentType === 'string' && /[/+]json\b/.test(contentType) ? JSON.parse(text) : text;
}

export class HttpClient {
  readonly upstream: string;
  private readonly pool: Pool;
  /** Path prefix of the base URL, e.g. "/api/v1" (empty for an origin). */
  private readonly basePath: string;
  private readonly attemptTimeout;
  private readonly settings: HttpClientSettings;
  private readonly breaker;
  private readonly retryingPolicy;
  private readonly singleAttemptPolicy;
  private readonly metrics;

  constructor(options: HttpClientOptions) {
    const { upstream, baseUrl, metrics, ...overrides } = options;
    this.upstream = upstream;
    this.settings = { ...defaultHttpClientSettings, ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) };
    const s = this.settings;
    const url = new URL(baseUrl);
    this.pool = new Pool(url.origin, { connections: s.connections, keepAliveTimeout: 30_000 });
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.metrics = metrics ? instrument(metrics) : undefined;

    // Only what the upstream did counts against it: a caller giving up is not its failure.
    const isFailure = (error: unknown) => error instanceof UpstreamError && ['timeout', 'network', 'status'].includes(error.reason);
    // abortOnReturn off: by default cockatiel aborts each attempt's signal after it returns,
    // building a DOMException with a stack every call (5% of the gateway's CPU in the
    // profile). Nothing is left to cancel then: attempt() has read the whole body.
    this.attemptTimeout = timeout(s.timeoutMs, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false });
    this.breaker = circuitBreaker(handleWhen(isFailure), {
      halfOpenAfter: s.breakerHalfOpenAfterMs,
      breaker: new ConsecutiveBreaker(s.breakerThreshold),
    });
    const retries = retry(handleWhen(isFailure), {
      maxAttempts: s.retries,
      backoff: new DelegateBackoff<{ attempt: number; result: { error?: unknown } | { value: unknown } }>((context) => {
        const failure = 'error' in context.result ? context.result.error : undefined;
        if (failure instanceof UpstreamError && failure.retryAfterMs !== undefined)
          return Math.min(failure.retryAfterMs, s.retryMaxDelayMs);
        // Full jitter: uniform in [0, min(cap, base * 2^attempt)), so retrying clients spread out.
        const ceiling = Math.min(s.retryMaxDelayMs, s.retryBaseDelayMs * 2 ** (context.attempt - 1));
        return Math.random() * ceiling;
      }),
    });
    const limiter = bulkhead(s.bulkheadLimit, s.bulkheadQueue);
    this.retryingPolicy = wrap(limiter, retries, this.breaker);
    this.singleAttemptPolicy = wrap(limiter, this.breaker);

    if (this.metrics) {
      const labels = { upstream };
      this.metrics.circuitState.set(labels, CircuitState.Closed);
      this.breaker.onStateChange((state) => this.metrics?.circuitState.set(labels, state));
      retries.onRetry(() => this.metrics?.retries.inc(labels));
    }
  }

  get circuitState(): CircuitState {
    return this.breaker.state;
  }

  /**
   * Sends a call built from a declared route (`callOf(route, input)` in the contracts
   * package): the answer's body is typed as the route's successful answer.
   */
  async send<T>(
    call: Pick<HttpRequest, 'method' | 'path' | 'query' | 'body'> & { readonly answer?: T },
    options: Pick<HttpRequest, 'headers' | 'idempotent' | 'signal'> = {},
  ): Promise<HttpResponse<T>> {
    const { method, path, query, body } = call;
    return this.request<T>({ method, path, ...(query ? { query } : {}), ...(body === undefined ? {} : { body }), ...options });
  }

  async request<T = unknown>(request: HttpRequest): Promise<HttpResponse<T>> {
    const mayRetry = IDEMPOTENT_METHODS.has(request.method) || request.idempotent === true;
    const policy = mayRetry ? this.retryingPolicy : this.singleAttemptPolicy;
    const started = performance.now();
    // The last answer the upstream itself gave this call: when a retry then meets the circuit
    // that this very call's failures opened, the caller must learn what the upstream said
    // (this request fails there), not "circuit open" (the upstream is down for everyone).
    let upstreamFailure: UpstreamError | undefined;
    try {
      const response = await policy.execute(async ({ signal }) => {
        try {
          return await this.timedAttempt<T>(request, signal);
        } catch (error) {
          if (error instanceof UpstreamError && error.reason === 'status') upstreamFailure = error;
          throw error;
        }
      }, request.signal);
      this.observe(request, String(response.status), started);
      return response;
    } catch (error) {
      const failure = error instanceof BrokenCircuitError && upstreamFailure ? upstreamFailure : this.toUpstreamError(error, request);
      this.observe(request, failure.status ? String(failure.status) : failure.reason, started);
      throw failure;
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  /** One attempt under the per-attempt timeout; a timeout becomes an UpstreamError unless the caller aborted. */
  private async timedAttempt<T>(request: HttpRequest, signal: AbortSignal): Promise<HttpResponse<T>> {
    try {
      return await this.attemptTimeout.execute(({ signal: attemptSignal }) => this.attempt<T>(request, attemptSignal), signal);
    } catch (error) {
      if (error instanceof TaskCancelledError && !signal.aborted) {
        throw new UpstreamError(
          this.upstream,
          'timeout',
          `${request.method} ${this.upstream}${request.path}: no response within ${this.settings.timeoutMs} ms`,
          {
            cause: error,
          },
        );
      }
      throw error;
    }
  }

  private async attempt<T>(request: HttpRequest, timeoutSignal: AbortSignal): Promise<HttpResponse<T>> {
    this.metrics?.attempts.inc({ upstream: this.upstream });
    const signal = request.signal ? AbortSignal.any([timeoutSignal, request.signal]) : timeoutSignal;
    const headers: Record<string, string> = { accept: 'application/json' };
    for (const [name, value] of Object.entries(request.headers ?? {})) if (value !== undefined) headers[name.toLowerCase()] = value;
    let payload: string | undefined;
    if (request.body !== undefined) {
      payload = JSON.stringify(request.body);
      headers['content-type'] = 'application/json';
    }
    let response: Awaited<ReturnType<Pool['request']>>;
    try {
      response = await this.pool.request({ method: request.method, path: this.pathWithQuery(request), headers, body: payload, signal });
    } catch (error) {
      if (signal.aborted) throw error; // a timeout or the caller's abort; classified by the caller of the policy
      throw new UpstreamError(this.upstream, 'network', `${this.upstream}: ${(error as Error).message}`, { cause: error });
    }
    const body = (await readBody(response.headers['content-type'], response.body)) as T;
    if (TRANSIENT_STATUSES.has(response.statusCode)) {
      const retryAfterMs = parseRetryAfter(response.headers['retry-after']);
      throw new UpstreamError(this.upstream, 'status', `${this.upstream} answered ${response.statusCode}`, {
        status: response.statusCode,
        body,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      });
    }
    return { status: response.statusCode, headers: response.headers, body };
  }

  private pathWithQuery(request: HttpRequest): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(request.query ?? {})) if (value !== undefined) params.set(key, String(value));
    const query = params.toString();
    const path = `${this.basePath}${request.path}`;
    return query ? `${path}?${query}` : path;
  }

  private toUpstreamError(error: unknown, request: HttpRequest): UpstreamError {
    if (error instanceof UpstreamError) return error;
    const where = `${request.method} ${this.upstream}${request.path}`;
    if (request.signal?.aborted) return new UpstreamError(this.upstream, 'aborted', `${where} aborted by the caller`, { cause: error });
    if (error instanceof BrokenCircuitError) {
      this.metrics?.rejections.inc({ upstream: this.upstream, reason: 'circuit-open' });
      return new UpstreamError(this.upstream, 'circuit-open', `${where}: circuit open after repeated failures`, {
        retryAfterMs: this.settings.breakerHalfOpenAfterMs,
        cause: error,
      });
    }
    if (error instanceof BulkheadRejectedError) {
      this.metrics?.rejections.inc({ upstream: this.upstream, reason: 'bulkhead-full' });
      return new UpstreamError(this.upstream, 'bulkhead-full', `${where}: too many concurrent requests`, { cause: error });
    }
    if (error instanceof TaskCancelledError) {
      return new UpstreamError(this.upstream, 'timeout', `${where}: no response within ${this.settings.timeoutMs} ms`, { cause: error });
    }
    return new UpstreamError(this.upstream, 'network', `${where}: ${(error as Error).message}`, { cause: error });
  }

  private observe(request: HttpRequest, outcome: string, started: number): void {
    this.metrics?.duration.observe({ upstream: this.upstream, method: request.method, outcome }, (performance.now() - started) / 1000);
  }
}

function instrument(metrics: Metrics) {
  return {
    duration: metrics.histogram({
      name: 'http_client_request_duration_seconds',
      help: 'Outbound calls by upstream, method and outcome (status code or failure reason), retries included.',
      labelNames: ['upstream', 'method', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    }),
    attempts: metrics.counter({
      name: 'http_client_attempts_total',
      help: 'Outbound attempts, first tries and retries.',
      labelNames: ['upstream'],
    }),
    retries: metrics.counter({ name: 'http_client_retries_total', help: 'Outbound attempts that were retries.', labelNames: ['upstream'] }),
    rejections: metrics.counter({
      name: 'http_client_rejections_total',
      help: 'Outbound calls refused locally: circuit open or bulkhead full.',
      labelNames: ['upstream', 'reason'],
    }),
    circuitState: metrics.gauge({
      name: 'http_client_circuit_state',
      help: 'Circuit breaker state per upstream: 0 closed, 1 open, 2 half-open, 3 isolated.',
      labelNames: ['upstream'],
    }),
  };
}

/**
 * The outbound HTTP knobs as environment variables (one schema for every service that
 * calls others), so that a chart's values reach the code under documented names.
 */
/** The UPSTREAM_* variables, for a calling service's config schema. */
export const httpClientConfigSchema = z.object(
  Object.fromEntries(
    entries.map(([, setting]) => [setting.variable, z.coerce.number().int().min(setting.min).default(setting.default)]),
  ) as {
    [K in Variable]: z.ZodDefault<z.ZodCoercedNumber<unknown>>;
  },
);

export type HttpClientConfig = z.infer<typeof httpClientConfigSchema>;

export function httpClientSettingsFrom(config: HttpClientConfig): HttpClientSettings {
  return Object.fromEntries(entries.map(([name, setting]) => [name, config[setting.variable]])) as HttpClientSettings;
}
