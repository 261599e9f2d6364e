// The charts and the services they deploy (one per unit of the system): which config schema
// each chart's settings must satisfy, and which of those settings are secrets (never in values, only from a Secret or
// Key Vault). The values schemas and the chart tests both start from this table.
import { telemetryEnvironmentSchema } from '@dronedelivery/service-kit';
import { UNIT_NAMES, type UnitName, unitNamed } from '@dronedelivery/system';
import { z } from 'zod';

/** One chart per unit of the system, named after it (charts/<name>). */
export const SERVICE_CHARTS = UNIT_NAMES;
export type ServiceChart = UnitName;

export const configSchemas = Object.fromEntries(UNIT_NAMES.map((name) => [name, unitNamed(name).configSchema])) as Record<
  ServiceChart,
  z.ZodType
>;

/** Settings that are credentials, or carry them: they may only come from secrets.variables. */
export const SECRET_VARIABLES = new Set([
  'JWT_SECRET',
  'REDIS_PASSWORD',
  'WORKFLOW_ADMIN_TOKEN',
  'COSMOS_KEY',
  'MONGODB_URL',
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
  // The simulator's bearer tokens, and the console's development signing key (the gateway's JWT_SECRET).
  'DRONE_TOKEN',
  'CUSTOMER_TOKEN',
  'DEV_TOKEN_SECRET',
]);

/**
 * Settings no chart may set, neither in config nor from a Secret: the console's development
 * token signer, which signs tokens for whoever asks (docker compose and npm start only).
 */
export const DEVELOPMENT_ONLY_VARIABLES = new Set(['DEV_TOKEN_SECRET']);

/**
 * Units that run as one replica by design, never autoscaled: the simulator is a single
 * fleet controller (two would confirm every drop-off twice and draw faults twice).
 */
export const SINGLETON_CHARTS = new Set<string>(['simulator']);

/** Set by the chart's templates from other values (containerPort, the chart's name). */
export const TEMPLATED_VARIABLES = new Set(['PORT', 'OTEL_SERVICE_NAME']);

/** The object schema under a service's config schema (some are refined, which wraps them). */
export function objectShape(schema: z.ZodType): Record<string, z.ZodType> {
  const definition = (schema as unknown as { _zod: { def: { shape?: Record<string, z.ZodType>; in?: z.ZodType } } })._zod.def;
  if (definition.shape) return definition.shape;
  if (definition.in) return objectShape(definition.in);
  const inner = (schema as unknown as { def?: { schema?: z.ZodType } }).def?.schema;
  if (inner) return objectShape(inner);
  throw new Error('not an object schema');
}

/** Every variable a service's process reads: its own config schema plus the telemetry preload's. */
export function knownVariables(chart: ServiceChart): Set<string> {
  return new Set([...Object.keys(objectShape(configSchemas[chart])), ...Object.keys(telemetryEnvironmentSchema.shape)]);
}

/** Parses a rendered environment the way the service would at start-up: service schema and telemetry schema. */
export function environmentSchema(chart: ServiceChart): z.ZodType {
  return z.intersection(configSchemas[chart], telemetryEnvironmentSchema);
}
