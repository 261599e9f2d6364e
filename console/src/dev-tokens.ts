// POST /dev/tokens: development tokens for the sign-in screen, shaped as the gateway verifies
// them in HS256 mode (gateway/src/auth.ts): issuer, audience, roles, the owner claim, an hour.
// Registered only when DEV_TOKEN_SECRET is set; otherwise the route does not exist (404).
import { createSecretKey } from 'node:crypto';
import type { ServiceInstance } from '@dronedelivery/service-kit';
import { SignJWT } from 'jose';
import { z } from 'zod';
import type { Config } from './config.ts';

/** The same rule as the contract's identifiers, so that the gateway accepts what we sign. */
const OwnerId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]*$/, 'must start with a letter or digit and contain only letters, digits and . _ : @ -');

export const DevTokenRequest = z.discriminatedUnion('role', [
  z.strictObject({ role: z.literal('customer'), ownerId: OwnerId }),
  z.strictObject({ role: z.literal('operator'), ownerId: OwnerId.optional() }),
]);

export type DevTokenRequest = z.infer<typeof DevTokenRequest>;

type SignerConfig = Pick<Config, 'JWT_ISSUER' | 'JWT_AUDIENCE' | 'JWT_OWNER_CLAIM'> & { DEV_TOKEN_SECRET: string };

export function devTokenSigner(config: SignerConfig): (request: DevTokenRequest) => Promise<string> {
  const key = createSecretKey(Buffer.from(config.DEV_TOKEN_SECRET));
  return (request) =>
    new SignJWT({ roles: [request.role], ...(request.ownerId ? { [config.JWT_OWNER_CLAIM]: request.ownerId } : {}) })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(`console-${request.role}-${request.ownerId ?? 'all'}`)
      .setIssuer(config.JWT_ISSUER)
      .setAudience(config.JWT_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(key);
}

export function registerDevTokens(app: ServiceInstance, config: SignerConfig): void {
  const sign = devTokenSigner(config);
  app.post('/dev/tokens', { schema: { body: DevTokenRequest, response: { 200: z.object({ token: z.string() }) } } }, async (request) => ({
    token: await sign(request.body),
  }));
}
