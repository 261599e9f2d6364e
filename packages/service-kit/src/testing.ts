// Helpers for tests of services built on the kit: a quiet configuration and logger.
import { Writable } from 'node:stream';
import { type BaseConfig, baseConfigSchema } from './config.ts';
import { createLogger, type Logger } from './logger.ts';

/** The base configuration with its defaults, listening on a random loopback port, no shutdown delay. */
export function testConfig(overrides: Partial<BaseConfig> = {}): BaseConfig {
  return { ...baseConfigSchema.parse({}), HOST: '127.0.0.1', PORT: 0, SHUTDOWN_DELAY_MS: 0, LOG_LEVEL: 'warn', ...overrides };
}

/** A logger whose lines are kept in memory, so tests can assert what was logged. */
export function capturingLogger(service = 'test'): { log: Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const log = createLogger({ service, version: '0.0.0-test', level: 'info', destination });
  return {
    log,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
