// docker-compose.yml configures every service only with variables its configuration
// schema knows, and with values that schema accepts: a typo in the compose file would
// otherwise be silently ignored (Fabrikam's charts set knobs that never reached the code).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { environmentSchema, knownVariables, SERVICE_CHARTS } from '@dronedelivery/charts/scripts/services.ts';
import { loadConfig } from '@dronedelivery/service-kit';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const compose = parse(readFileSync(fileURLToPath(new URL('../../docker-compose.yml', import.meta.url)), 'utf8'), { merge: true }) as {
  services: Record<string, { environment?: Record<string, string> }>;
};

/** Variables Node itself reads, rather than a service's or the telemetry preload's schema. */
const RUNTIME = new Set(['NODE_TLS_REJECT_UNAUTHORIZED', 'NODE_ENV']);

/** ${VAR:-default} → default; ${VAR:?message} → a test value; ${VAR} → empty. */
function interpolate(value: string): string {
  return String(value).replace(/\$\{(\w+)(?::-([^}]*)|:\?[^}]*)?\}/g, (_match, name: string, fallback: string | undefined) =>
    fallback !== undefined ? fallback : name === 'JWT_SECRET' ? 'a-compose-test-secret-long-enough-for-hs256' : '',
  );
}

describe('docker-compose.yml', () => {
  it.each(SERVICE_CHARTS)('configures %s with known, valid variables', (service) => {
    const environment = compose.services[service]?.environment ?? {};
    const known = knownVariables(service);
    expect(known.size).toBeGreaterThan(5);
    const unknown = Object.keys(environment).filter((name) => !known.has(name) && !RUNTIME.has(name));
    expect(unknown, `${service}: variables its schema does not know`).toEqual([]);
    const values = Object.fromEntries(Object.entries(environment).map(([name, value]) => [name, interpolate(value)]));
    expect(() => loadConfig(service, environmentSchema(service), values)).not.toThrow();
  });

  it('publishes only the gateway, the console and the two observability UIs, on loopback', () => {
    const published = Object.entries(compose.services as Record<string, { ports?: string[] }>).filter(
      ([, definition]) => definition.ports?.length,
    );
    expect(published.map(([name]) => name).sort()).toEqual(['console', 'gateway', 'jaeger', 'prometheus']);
    for (const [, definition] of published) for (const port of definition.ports ?? []) expect(port.startsWith('127.0.0.1:')).toBe(true);
  });
});
