// The service kit: everything a Drone Delivery service shares with the others.

export {
  type Caller,
  canSeeOwner,
  Forbidden,
  forwardedCaller,
  identityHeaders,
  isOperator,
  mayAccess,
  ROLES,
  type Role,
  requireOwner,
  requireRole,
} from './caller.ts';
export {
  type BaseConfig,
  baseConfigSchema,
  ConfigError,
  type ConfigProblem,
  loadConfig,
  loadConfigOrExit,
  telemetryEnvironmentSchema,
} from './config.ts';
export { type ConnectRetryOptions, connectWithRetry } from './connect-retry.ts';
export {
  Conflict,
  Failure,
  type FailureKind,
  type FailureOptions,
  type FieldError,
  Gone,
  InvalidInput,
  NotFound,
  Unavailable,
  Unprocessable,
} from './failures.ts';
export { type CheckResult, type DependencyCheck, Health, type ReadinessReport } from './health.ts';
export {
  defaultHttpClientSettings,
  HttpClient,
  type HttpClientConfig,
  type HttpClientOptions,
  type HttpClientSettings,
  type HttpRequest,
  type HttpResponse,
  httpClientConfigSchema,
  httpClientSettingsFrom,
  UpstreamError,
  type UpstreamFailure,
} from './http-client.ts';
export { Lifecycle } from './lifecycle.ts';
export { createLogger, type Logger, type LoggerOptions } from './logger.ts';
export { type MetricDefinition, Metrics } from './metrics.ts';
export {
  decodeListCursor,
  encodeListCursor,
  inRange,
  isBefore,
  type ListPosition,
  type ListRange,
  PositionLists,
} from './position-list.ts';
export { HttpProblem, PROBLEM_CONTENT_TYPE, type Problem, problemOf, problemType, sendProblem, titleFor } from './problems.ts';
export {
  type BuildContext,
  defineService,
  runService,
  type ServiceDefinition,
  type ServiceManifest,
  type SharedResources,
  sharedResources,
  startService,
} from './run.ts';
export { type DeclaredRoute, type RouteHandler, serve } from './serve.ts';
export { createServer, type OpenApiOptions, type SecurityScheme, type ServerOptions, type ServiceInstance } from './server.ts';
export { drainAndClose, exitGracefullyOnSignals, type ShutdownSettings } from './shutdown.ts';
