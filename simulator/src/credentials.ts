// Who the simulator is to the gateway: the bearer tokens it sends. Given tokens as they are
// (DRONE_TOKEN, CUSTOMER_TOKEN from the identity provider); on AKS, drone tokens from Microsoft
// Entra ID for the pod's workload identity (DRONE_TOKEN_SCOPE), renewed before they expire; or
// in development tokens it signs itself with the gateway's HS256 secret, short-lived and
// renewed well before they expire.
import { createSecretKey, type KeyObject } from 'node:crypto';
import type { TokenCredential } from '@azure/identity';
import { decodeJwt, SignJWT } from 'jose';
import type { Config } from './config.ts';
import { demoOwners } from './traffic.ts';

/** Signed tokens live this long: a leaked one is soon useless. */
const TOKEN_LIFETIME_SECONDS = 15 * 60;
/** A signed token is replaced once this much of its life is gone, so no call carries one about to expire. */
const RENEW_AFTER_SHARE = 2 / 3;

export interface Credentials {
  /** The bearer token of the fleet's drones. */
  drone(): Promise<string>;
  /** A token that may ask for deliveries for `ownerId`; undefined without a customer credential. */
  customer(ownerId: string): Promise<string> | undefined;
  /** Whose deliveries simulated customers ask for. */
  trafficOwners: readonly string[];
}

type CredentialSettings = Pick<
  Config,
  | 'DRONE_TOKEN'
  | 'DRONE_TOKEN_SCOPE'
  | 'JWT_SECRET'
  | 'JWT_ISSUER'
  | 'JWT_AUDIENCE'
  | 'JWT_OWNER_CLAIM'
  | 'CUSTOMER_TOKEN'
  | 'TRAFFIC_OWNERS'
>;

/** Microsoft Entra ID as the pod's workload identity, its library loaded only when configured. */
async function workloadIdentity(): Promise<TokenCredential> {
  const { DefaultAzureCredential } = await import('@azure/identity');
  return new DefaultAzureCredential();
}

export function credentialsFrom(
  config: CredentialSettings,
  now: () => number = Date.now,
  identity: () => Promise<TokenCredential> = workloadIdentity,
): Credentials {
  const signer = config.JWT_SECRET ? new TokenSigner(config.JWT_SECRET, config, now) : undefined;
  const entra = config.DRONE_TOKEN_SCOPE ? new EntraTokens(identity, config.DRONE_TOKEN_SCOPE, now) : undefined;
  const droneToken = config.DRONE_TOKEN;
  const customerToken = config.CUSTOMER_TOKEN;
  // A customer token acts for its own owner only; an operator token (no owner) for anyone.
  const tokenOwner = customerToken ? ownerClaimOf(customerToken, config.JWT_OWNER_CLAIM) : undefined;
  return {
    drone: () => {
      if (droneToken) return Promise.resolve(droneToken);
      if (entra) return entra.token();
      return (signer as TokenSigner).token('drone', ['drone']);
    },
    customer: (ownerId) => {
      if (customerToken) return Promise.resolve(customerToken);
      return signer?.token(`customer ${ownerId}`, ['customer'], ownerId);
    },
    trafficOwners: tokenOwner ? [tokenOwner] : demoOwners(config.TRAFFIC_OWNERS),
  };
}

/** The owner a token names, read without verifying it (the gateway verifies); undefined when it names none. */
function ownerClaimOf(token: string, claim: string): string | undefined {
  try {
    const owner = decodeJwt(token)[claim];
    return typeof owner === 'string' ? owner : undefined;
  } catch {
    return undefined;
  }
}

/** Signs tokens shaped as the gateway verifies them in HS256 mode, one per subject, renewed before expiry. */
class TokenSigner {
  private readonly key: KeyObject;
  private readonly claims: Pick<Config, 'JWT_ISSUER' | 'JWT_AUDIENCE' | 'JWT_OWNER_CLAIM'>;
  private readonly now: () => number;
  private readonly issued = new Map<string, { token: Promise<string>; renewAt: number }>();

  constructor(secret: string, claims: Pick<Config, 'JWT_ISSUER' | 'JWT_AUDIENCE' | 'JWT_OWNER_CLAIM'>, now: () => number) {
    this.key = createSecretKey(Buffer.from(secret));
    this.claims = claims;
    this.now = now;
  }

  token(name: string, roles: string[], ownerId?: string): Promise<string> {
    const known = this.issued.get(name);
    const now = this.now();
    if (known && now < known.renewAt) return known.token;
    const issuedAt = Math.floor(now / 1000);
    const token = new SignJWT({ roles, ...(ownerId ? { [this.claims.JWT_OWNER_CLAIM]: ownerId } : {}) })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(`simulator-${ownerId ?? roles.join('-')}`)
      .setIssuer(this.claims.JWT_ISSUER)
      .setAudience(this.claims.JWT_AUDIENCE)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + TOKEN_LIFETIME_SECONDS)
      .sign(this.key);
    this.issued.set(name, { token, renewAt: now + TOKEN_LIFETIME_SECONDS * 1000 * RENEW_AFTER_SHARE });
    return token;
  }
}

/** A token obtained this close to its expiry is obtained again, so no call carries one about to expire. */
const ENTRA_RENEW_BEFORE_MS = 5 * 60_000;

/** Access tokens from Microsoft Entra ID for one scope, kept until shortly before they expire; a failed request is tried again on the next call. */
class EntraTokens {
  private readonly identity: () => Promise<TokenCredential>;
  private readonly scope: string;
  private readonly now: () => number;
  private credential: Promise<TokenCredential> | undefined;
  private current: { token: Promise<string>; renewAt: number } | undefined;

  constructor(identity: () => Promise<TokenCredential>, scope: string, now: () => number) {
    this.identity = identity;
    this.scope = scope;
    this.now = now;
  }

  token(): Promise<string> {
    if (this.current && this.now() < this.current.renewAt) return this.current.token;
    const pending = this.obtain();
    // Until it settles, callers share this request; its answer sets when to renew.
    this.current = { token: pending.then((access) => access.token), renewAt: Number.POSITIVE_INFINITY };
    const current = this.current;
    pending.then(
      (access) => {
        current.renewAt = access.expiresOnTimestamp - ENTRA_RENEW_BEFORE_MS;
      },
      () => {
        if (this.current === current) this.current = undefined;
      },
    );
    return current.token;
  }

  private async obtain(): Promise<{ token: string; expiresOnTimestamp: number }> {
    this.credential ??= this.identity();
    const access = await (await this.credential).getToken(this.scope);
    if (!access) throw new Error(`Microsoft Entra ID gave no token for ${this.scope}`);
    return access;
  }
}
