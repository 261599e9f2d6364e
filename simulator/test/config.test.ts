// The simulator's settings: defaults, and every bad value refused at start with a message
// that names the variable and says what to do.

import { service as gateway } from '@dronedelivery/gateway';
import { ConfigError, loadConfig } from '@dronedelivery/service-kit';
import { describe, expect, it } from 'vitest';
import { configSchema, GATEWAY_AUDIENCE, GATEWAY_ISSUER } from '../src/config.ts';

const secret = 'a-development-secret-of-at-least-32-characters';

function problems(env: Record<string, string>): { variable: string; message: string }[] {
  try {
    loadConfig('simulator', configSchema, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('the configuration was accepted');
}

describe('simulator configuration', () => {
  it('has the documented defaults', () => {
    expect(loadConfig('simulator', configSchema, { DRONE_TOKEN: 'a.b.c' })).toMatchObject({
      PORT: 8087,
      GATEWAY_URL: 'http://127.0.0.1:8080',
      POLL_INTERVAL_MS: 1_000,
      SIMULATION_SPEED: 1,
      FAULT_RATE: 0,
      SIMULATION_SEED: 1,
      TRAFFIC_PER_MINUTE: 0,
      TRAFFIC_OWNERS: 3,
      TRAFFIC_MAX_OUTSTANDING: 20,
      TRAFFIC_MAX_TOTAL: 1_000,
      SERVICE_AREA: { south: 47.45, west: -122.45, north: 47.75, east: -122.2 },
    });
  });

  it("signs tokens for the gateway's own issuer and audience by default", () => {
    const defaults = loadConfig('gateway', gateway.configSchema, { JWT_SECRET: secret });
    expect([GATEWAY_ISSUER, GATEWAY_AUDIENCE]).toEqual([defaults.JWT_ISSUER, defaults.JWT_AUDIENCE]);
  });

  it('needs exactly one of DRONE_TOKEN, DRONE_TOKEN_SCOPE and JWT_SECRET', () => {
    expect(problems({})).toEqual([
      { variable: 'DRONE_TOKEN', message: expect.stringMatching(/exactly one of DRONE_TOKEN .*DRONE_TOKEN_SCOPE .* or JWT_SECRET/) },
    ]);
    expect(problems({ DRONE_TOKEN: 'a.b.c', JWT_SECRET: secret })[0]?.variable).toBe('DRONE_TOKEN');
    expect(problems({ DRONE_TOKEN_SCOPE: 'api://0000/.default', JWT_SECRET: secret })[0]?.variable).toBe('DRONE_TOKEN');
    expect(loadConfig('simulator', configSchema, { DRONE_TOKEN_SCOPE: 'api://0000/.default' }).DRONE_TOKEN_SCOPE).toBe(
      'api://0000/.default',
    );
    expect(problems({ DRONE_TOKEN_SCOPE: 'api://0000' })).toContainEqual({
      variable: 'DRONE_TOKEN_SCOPE',
      message: 'must be the API scope, api://<application id>/.default',
    });
    expect(problems({ JWT_SECRET: 'short' })).toContainEqual({ variable: 'JWT_SECRET', message: 'must be at least 32 characters' });
  });

  it('refuses customer traffic without a customer credential, saying which to set', () => {
    expect(problems({ DRONE_TOKEN: 'a.b.c', TRAFFIC_PER_MINUTE: '10' })).toEqual([
      { variable: 'TRAFFIC_PER_MINUTE', message: expect.stringContaining('set CUSTOMER_TOKEN') },
    ]);
    expect(
      loadConfig('simulator', configSchema, { DRONE_TOKEN: 'a.b.c', CUSTOMER_TOKEN: 'd.e.f', TRAFFIC_PER_MINUTE: '10' }),
    ).toMatchObject({
      TRAFFIC_PER_MINUTE: 10,
    });
    expect(loadConfig('simulator', configSchema, { JWT_SECRET: secret, TRAFFIC_PER_MINUTE: '10' })).toMatchObject({
      TRAFFIC_PER_MINUTE: 10,
    });
  });

  it('refuses nonsense, naming each variable', () => {
    const found = problems({
      JWT_SECRET: secret,
      FAULT_RATE: '1.5',
      POLL_INTERVAL_MS: '10',
      SIMULATION_SPEED: '0',
      TRAFFIC_OWNERS: '0',
      GATEWAY_URL: 'not a url',
      SERVICE_AREA: '1,2,3',
    });
    expect(found.map((p) => p.variable).sort()).toEqual([
      'FAULT_RATE',
      'GATEWAY_URL',
      'POLL_INTERVAL_MS',
      'SERVICE_AREA',
      'SIMULATION_SPEED',
      'TRAFFIC_OWNERS',
    ]);
    expect(found).toContainEqual({ variable: 'FAULT_RATE', message: 'must be between 0 and 1' });
    expect(found).toContainEqual({ variable: 'POLL_INTERVAL_MS', message: expect.stringContaining('at least 50 ms') });
  });
});
