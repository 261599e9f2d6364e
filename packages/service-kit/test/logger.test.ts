import { describe, expect, it } from 'vitest';
import { redactSecrets } from '../src/logger.ts';
import { capturingLogger } from '../src/testing.ts';

describe('redactSecrets', () => {
  it('hides values of keys named like credentials at any depth, including inside arrays', () => {
    const input = {
      user: 'ann',
      config: { MONGODB_CONNECTION_STRING: 'mongodb://u:p@h', clientSecret: 's', nested: { apiKey: 'k', 'x-api-key': 'k2' } },
      upstreams: [{ name: 'a', accessToken: 't' }],
      headers: { authorization: 'Bearer x', cookie: 'c=1', accept: 'json' },
    };
    expect(redactSecrets(input)).toEqual({
      user: 'ann',
      config: {
        MONGODB_CONNECTION_STRING: '[redacted]',
        clientSecret: '[redacted]',
        nested: { apiKey: '[redacted]', 'x-api-key': '[redacted]' },
      },
      upstreams: [{ name: 'a', accessToken: '[redacted]' }],
      headers: { authorization: '[redacted]', cookie: '[redacted]', accept: 'json' },
    });
  });

  it('never changes the object that was logged, and returns it as is when nothing is secret', () => {
    const input = { headers: { authorization: 'Bearer x' } };
    redactSecrets(input);
    expect(input.headers.authorization).toBe('Bearer x');
    const harmless = { a: 1, b: { c: [1, 2] } };
    expect(redactSecrets(harmless)).toBe(harmless);
  });
});

describe('createLogger', () => {
  it('writes JSON with service identity, ISO time and a level label', () => {
    const { log, lines } = capturingLogger('svc');
    log.warn({ deliveryId: 'd1', password: 'pw' }, 'something happened');
    expect(lines()[0]).toMatchObject({
      level: 'warn',
      service: 'svc',
      version: '0.0.0-test',
      deliveryId: 'd1',
      password: '[redacted]',
      msg: 'something happened',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });
});
