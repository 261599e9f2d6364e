// The one way the repository mints a token: `pnpm token`, the embedded start, the tests, the
// load and fault tools. By default it is a development token as the gateway verifies it in
// HS256 mode (JWT_SECRET): the gateway's default issuer and audience, roles, an owner id
// claim, twelve hours. Tests that need a wrong one (another algorithm, an expired or foreign
// token, an RS256 key) say so through the options.
//   import { devToken } from '@dronedelivery/gateway/dev-token';
import { type JWTHeaderParameters, type KeyInput, SignJWT } from 'jose';

/**
 * The gateway's JWT_ISSUER and JWT_AUDIENCE defaults (gateway/src/config.ts; a test keeps them
 * equal). Not read from there: that module loads the whole service kit, seconds for a CLI.
 */
export const DEFAULT_ISSUER = 'https://dronedelivery.local/';
export const DEFAULT_AUDIENCE = 'api://dronedelivery';

export interface DevTokenOptions {
  /** The gateway's HS256 secret (JWT_SECRET, used as UTF-8 bytes), or any key jose signs with. */
  secret: string | KeyInput;
  /** Default: customer. */
  roles?: string[];
  /** The owner id claim (owner_id): whose deliveries a customer may see. */
  ownerId?: string;
  /** Default: dev-<owner id>, or dev-<roles> without one. */
  subject?: string;
  issuer?: string;
  audience?: string;
  /** How long it is valid from now, in jose's form: "12h" (the default), "5m", "-1h" (expired an hour ago). */
  expiresIn?: string;
  /** Not valid before now plus this ("1h": not yet valid). */
  notBefore?: string;
  /** The iat claim, in seconds since the epoch (default: now). */
  issuedAt?: number;
  /** Header parameters: alg (HS256 by default), kid, jwk... */
  header?: Partial<JWTHeaderParameters>;
  /** Further claims. */
  claims?: Record<string, unknown>;
}

export async function devToken(options: DevTokenOptions): Promise<string> {
  const roles = options.roles ?? ['customer'];
  const jwt = new SignJWT({ roles, ...(options.ownerId ? { owner_id: options.ownerId } : {}), ...options.claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT', ...options.header })
    .setSubject(options.subject ?? `dev-${options.ownerId ?? roles.join('-')}`)
    .setIssuer(options.issuer ?? DEFAULT_ISSUER)
    .setAudience(options.audience ?? DEFAULT_AUDIENCE)
    .setIssuedAt(options.issuedAt)
    .setExpirationTime(options.expiresIn ?? '12h');
  if (options.notBefore) jwt.setNotBefore(options.notBefore);
  return jwt.sign(typeof options.secret === 'string' ? new TextEncoder().encode(options.secret) : options.secret);
}
