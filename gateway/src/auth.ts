// Who is calling: JWT bearer verification (HS256 with a shared secret, or RS256/ES256 keys
// from a JWKS URL such as Microsoft Entra ID's), with issuer, audience and expiry checks,
// and the caller's roles and owner id from the claims. Failures are 401 problems with
// WWW-Authenticate.
import { createSecretKey, type KeyObject } from 'node:crypto';
import { type Caller, Forbidden, HttpProblem, problemType, ROLES } from '@dronedelivery/service-kit';
import { createRemoteJWKSet, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import type { Config } from './config.ts';

export class Unauthenticated extends HttpProblem {
  constructor(description: string) {
    super(401, description, {
      type: problemType('unauthenticated'),
      headers: {
        'www-authenticate': `Bearer realm="dronedelivery", error="invalid_token", error_description="${description.replaceAll('"', "'")}"`,
      },
    });
  }
}

/** A verified caller, with when its token stops being accepted (epoch ms, the clock skew included): a stream closes then. */
export type VerifiedCaller = Caller & { expiresAt: number };

export type Verifier = (authorization: string | undefined) => Promise<VerifiedCaller>;

/** Verified tokens remembered at once (the oldest is forgotten first). */
const VERIFIED_TOKENS_KEPT = 10_000;

export function createVerifier(
  config: Pick<Config, 'JWT_SECRET' | 'JWKS_URL' | 'JWT_ISSUER' | 'JWT_AUDIENCE' | 'JWT_CLOCK_SKEW_SECONDS' | 'JWT_OWNER_CLAIM'>,
): Verifier {
  // A KeyObject made once: jose would otherwise import the raw secret on every request.
  const key: KeyObject | JWTVerifyGetKey = config.JWT_SECRET
    ? createSecretKey(Buffer.from(config.JWT_SECRET))
    : createRemoteJWKSet(new URL(config.JWKS_URL as string));
  const algorithms = config.JWT_SECRET ? ['HS256'] : ['RS256', 'ES256'];
  // Callers send the same token for many requests: remember verified ones until they expire.
  const verified = new Map<string, { caller: VerifiedCaller; expiresAt: number }>();
  return async (authorization) => {
    const token = /^Bearer ([\w-]+\.[\w-]+\.[\w-]+)$/.exec(authorization ?? '')?.[1];
    if (!token) throw new Unauthenticated('A bearer token is required.');
    const known = verified.get(token);
    if (known && known.expiresAt > Date.now()) return known.caller;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key as KeyObject, {
        issuer: config.JWT_ISSUER,
        audience: config.JWT_AUDIENCE,
        clockTolerance: config.JWT_CLOCK_SKEW_SECONDS,
        algorithms,
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (error) {
      throw new Unauthenticated(`The bearer token was refused: ${(error as Error).message}`);
    }
    const claimed = Array.isArray(payload.roles) ? payload.roles : [];
    const roles = new Set(ROLES.filter((role) => claimed.includes(role)));
    const owner = payload[config.JWT_OWNER_CLAIM];
    if (roles.size === 0) throw new Forbidden('The token grants none of the roles customer, operator, drone.');
    if (roles.has('customer') && typeof owner !== 'string')
      throw new Forbidden(`A customer token must carry the ${config.JWT_OWNER_CLAIM} claim.`);
    const expiresAt = (payload.exp as number) * 1000 + config.JWT_CLOCK_SKEW_SECONDS * 1000;
    const caller = { subject: String(payload.sub), roles, ownerId: typeof owner === 'string' ? owner : undefined, expiresAt };
    if (verified.size >= VERIFIED_TOKENS_KEPT) verified.delete(verified.keys().next().value as string);
    verified.set(token, { caller, expiresAt });
    return caller;
  };
}
