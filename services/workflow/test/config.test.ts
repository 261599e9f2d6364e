// Every resilience knob is read from its documented environment variable and reaches the
// code that uses it (Fabrikam's charts set knobs that silently never did).
import { ConfigError, httpClientSettingsFrom, loadConfig } from '@dronedelivery/service-kit';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../src/config.ts';

const environment = {
  UPSTREAM_TIMEOUT_MS: '1234',
  UPSTREAM_RETRIES: '5',
  UPSTREAM_RETRY_BASE_DELAY_MS: '11',
  UPSTREAM_RETRY_MAX_DELAY_MS: '222',
  UPSTREAM_BREAKER_THRESHOLD: '7',
  UPSTREAM_BREAKER_HALF_OPEN_AFTER_MS: '3333',
  UPSTREAM_BULKHEAD_LIMIT: '9',
  UPSTREAM_BULKHEAD_QUEUE: '99',
  UPSTREAM_CONNECTIONS: '4',
  WORKFLOW_CONCURRENCY: '24',
  QUEUE_MAX_ATTEMPTS: '6',
  QUEUE_BACKOFF_MS: '250',
  QUEUE_LOCK_DURATION_MS: '20000',
  QUEUE_STALLED_INTERVAL_MS: '10000',
  QUEUE_MAX_STALLED_COUNT: '3',
};

describe('workflow configuration', () => {
  it('reads every resilience knob from its environment variable', () => {
    const config = loadConfig('workflow', configSchema, environment);
    expect(httpClientSettingsFrom(config)).toEqual({
      timeoutMs: 1234,
      retries: 5,
      retryBaseDelayMs: 11,
      retryMaxDelayMs: 222,
      breakerThreshold: 7,
      breakerHalfOpenAfterMs: 3333,
      bulkheadLimit: 9,
      bulkheadQueue: 99,
      connections: 4,
    });
    expect(config).toMatchObject({
      WORKFLOW_CONCURRENCY: 24,
      QUEUE_MAX_ATTEMPTS: 6,
      QUEUE_BACKOFF_MS: 250,
      QUEUE_LOCK_DURATION_MS: 20000,
      QUEUE_STALLED_INTERVAL_MS: 10000,
      QUEUE_MAX_STALLED_COUNT: 3,
    });
  });

  it('refuses an admin token too short to be a secret, and nonsense knobs, naming each', () => {
    let error: unknown;
    try {
      loadConfig('workflow', configSchema, { WORKFLOW_ADMIN_TOKEN: 'short', UPSTREAM_RETRIES: '-1', WORKFLOW_CONCURRENCY: '0' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.variable).sort()).toEqual([
      'UPSTREAM_RETRIES',
      'WORKFLOW_ADMIN_TOKEN',
      'WORKFLOW_CONCURRENCY',
    ]);
  });
});
