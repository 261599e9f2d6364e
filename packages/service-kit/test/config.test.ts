import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { baseConfigSchema, ConfigError, loadConfig } from '../src/config.ts';

const schema = baseConfigSchema.extend({
  MONGODB_URL: z.url(),
  POOL_SIZE: z.coerce.number().int().min(1),
});

describe('loadConfig', () => {
  it('applies defaults and coerces numbers', () => {
    const config = loadConfig('svc', schema, { MONGODB_URL: 'mongodb://127.0.0.1:27017/db', POOL_SIZE: '5', PORT: '9000' });
    expect(config.PORT).toBe(9000);
    expect(config.POOL_SIZE).toBe(5);
    expect(config.HOST).toBe('0.0.0.0');
    expect(config.DRAIN_TIMEOUT_MS).toBe(10_000);
  });

  it('treats an empty variable as unset so the default applies', () => {
    const config = loadConfig('svc', schema, { MONGODB_URL: 'mongodb://h/db', POOL_SIZE: '1', LOG_LEVEL: '' });
    expect(config.LOG_LEVEL).toBe('info');
  });

  it('lists every bad or missing variable in one error', () => {
    let error: unknown;
    try {
      loadConfig('svc', schema, { PORT: 'eighty', LOG_LEVEL: 'loud', POOL_SIZE: '0' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.map((p) => p.variable).sort();
    expect(problems).toEqual(['LOG_LEVEL', 'MONGODB_URL', 'POOL_SIZE', 'PORT']);
    const message = (error as ConfigError).message;
    expect(message).toContain('Invalid configuration for svc (4 problems)');
    for (const variable of problems) expect(message).toContain(`  - ${variable}: `);
  });
});

describe('loadConfigOrExit', () => {
  it('prints the problems and exits 1', () => {
    const entry = fileURLToPath(new URL('./fixtures/config-exit.ts', import.meta.url));
    const result = spawnSync(process.execPath, [entry], {
      env: { PATH: process.env.PATH, PORT: '-1', LOG_LEVEL: 'verbose' },
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Invalid configuration for fixture (2 problems)');
    expect(result.stderr).toContain('  - PORT: ');
    expect(result.stderr).toContain('  - LOG_LEVEL: ');
    expect(result.stdout).toBe('');
  });
});
