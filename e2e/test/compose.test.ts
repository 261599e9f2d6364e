// docker-compose.yml configures every service only with variables its configuration
// schema knows, and with values that schema accepts: a typo in the compose file would
// otherwise be silently ignored (Fabrikam's charts set knobs that never reached the code).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configSchema as deliveryConfig } from '@dronedelivery/delivery/src/config.ts';
import { configSchema as schedulerConfig } from '@dronedelivery/dronescheduler/src/config.ts';
import { configSchema as gatewayConfig } from '@dronedelivery/gateway/src/config.ts';
import { configSchema as ingestionConfig } from '@dronedelivery/ingestion/src/config.ts';
import { configSchema as packageConfig } from '@dronedelivery/package/src/config.ts';
import { loadConfig } from '@dronedelivery/service-kit';
import { configSchema as workflowConfig } from '@dronedelivery/workflow/src/config.ts';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { z } from 'zod';

const compose = parse(readFileSync(fileURLToPath(new URL('../../docker-compose.yml', import.meta.url)), 'utf8'), { merge: true }) as {
  services: Record<string, { environment?: Record<string, string> }>;
};

const schemas: Record<string, z.ZodType> = {
  gateway: gatewayConfig,
  ingestion: ingestionConfig,
  workflow: workflowConfig,
  delivery: deliveryConfig,
  package: packageConfig,
  dronescheduler: schedulerConfig,
};

/** Variables read by the runtime rather than a service's schema. */
const RUNTIME = new Set(['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_SERVICE_NAME', 'NODE_TLS_REJECT_UNAUTHORIZED', 'NODE_ENV']);

/** ${VAR:-default} → default; ${VAR:?message} → a test value; ${VAR} → empty. */
function interpolate(value: string): string {
  return String(value).replace(/\$\{(\w+)(?::-([^}]*)|:\?[^}]*)?\}/g, (_match, name: string, fallback: string | undefined) =>
    fallback !== undefined ? fallback : name === 'JWT_SECRET' ? 'a-compose-test-secret-long-enough-for-hs256' : '',
  );
}

function keysOf(schema: z.ZodType): Set<string> {
  const shape = (
    schema as unknown as { shape?: Record<string, unknown>; _zod?: { def?: { schema?: { shape?: Record<string, unknown> } } } }
  ).shape;
  const inner = (
    schema as unknown as { _zod: { def: { in?: { shape?: Record<string, unknown> }; schema?: { shape?: Record<string, unknown> } } } }
  )._zod.def;
  return new Set(Object.keys(shape ?? inner.in?.shape ?? inner.schema?.shape ?? {}));
}

describe('docker-compose.yml', () => {
  it.each(Object.keys(schemas))('configures %s with known, valid variables', (service) => {
    const environment = compose.services[service]?.environment ?? {};
    const schema = schemas[service] as z.ZodType;
    const known = keysOf(schema);
    expect(known.size).toBeGreaterThan(5);
    const unknown = Object.keys(environment).filter((name) => !known.has(name) && !RUNTIME.has(name));
    expect(unknown, `${service}: variables its schema does not know`).toEqual([]);
    const values = Object.fromEntries(Object.entries(environment).map(([name, value]) => [name, interpolate(value)]));
    expect(() => loadConfig(service, schema, values)).not.toThrow();
  });

  it('publishes only the gateway and the two UIs, on loopback', () => {
    const published = Object.entries(compose.services as Record<string, { ports?: string[] }>).filter(
      ([, definition]) => definition.ports?.length,
    );
    expect(published.map(([name]) => name).sort()).toEqual(['gateway', 'jaeger', 'prometheus']);
    for (const [, definition] of published) for (const port of definition.ports ?? []) expect(port.startsWith('127.0.0.1:')).toBe(true);
  });
});
