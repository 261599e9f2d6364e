// The development token (gateway/scripts/dev-token.ts, what `pnpm token` and every tool mint)
// is what this gateway accepts: its issuer and audience are the configuration's defaults.
import { describe, expect, it } from 'vitest';
import { DEFAULT_AUDIENCE, DEFAULT_ISSUER, devToken } from '../scripts/dev-token.ts';
import { configSchema } from '../src/config.ts';
import { SECRET, startHarness } from './harness.ts';

const claims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;

describe('devToken', () => {
  it("defaults to the gateway configuration's issuer and audience", () => {
    const defaults = configSchema.parse({ JWT_SECRET: SECRET });
    expect([DEFAULT_ISSUER, DEFAULT_AUDIENCE]).toEqual([defaults.JWT_ISSUER, defaults.JWT_AUDIENCE]);
  });

  it('is a customer token for its owner, valid for twelve hours, unless told otherwise', async () => {
    const token = claims(await devToken({ secret: SECRET, ownerId: 'owner-1' }));
    expect(token).toMatchObject({
      roles: ['customer'],
      owner_id: 'owner-1',
      sub: 'dev-owner-1',
      iss: DEFAULT_ISSUER,
      aud: DEFAULT_AUDIENCE,
    });
    expect((token.exp as number) - (token.iat as number)).toBe(12 * 3600);
    const operator = claims(await devToken({ secret: SECRET, roles: ['operator'], expiresIn: '-1h', notBefore: '1h' }));
    expect(operator).toMatchObject({ roles: ['operator'], sub: 'dev-operator' });
    expect(operator.exp as number).toBeLessThan(Date.now() / 1000);
    expect(operator.nbf as number).toBeGreaterThan(Date.now() / 1000);
  });

  it('is accepted by the gateway, and refused when expired or of another audience', async () => {
    const harness = await startHarness();
    try {
      const status = async (token: string) =>
        (await harness.gateway.inject({ method: 'GET', url: '/api/deliveries/d-1', headers: { authorization: `Bearer ${token}` } }))
          .statusCode;
      expect(await status(await devToken({ secret: SECRET, roles: ['operator'] }))).toBe(404);
      expect(await status(await devToken({ secret: SECRET, roles: ['operator'], expiresIn: '-1h' }))).toBe(401);
      expect(await status(await devToken({ secret: SECRET, roles: ['operator'], audience: 'api://other' }))).toBe(401);
    } finally {
      await harness.close();
    }
  });
});
