// The gateway in JWKS mode against a local issuer that signs tokens shaped like Microsoft
// Entra ID's v2 access tokens (RS256 with a kid, tid/oid/azp/ver claims, app roles in
// `roles`), served from a JWKS endpoint like the tenant's discovery keys. Checks the role and
// owner mapping (`JWT_OWNER_CLAIM`: `oid`, or a claim of one's own) and what is refused.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, seedDelivery, startHarness } from './harness.ts';

const TENANT = randomUUID();
const ISSUER = `https://login.microsoftonline.com/${TENANT}/v2.0`;
/**
 * The API app registration's application (client) id: a v2 access token's `aud` is always the
 * API's client id, never its application ID URI (the URI only names the scope a client asks for).
 */
const AUDIENCE = randomUUID();
const CLIENT_APP = randomUUID();

type Key = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

let jwks: Server;
let jwksUrl: string;
let signingKey: Key;
let strangerKey: Key;
const KID = 'entra-test-key-1';

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  signingKey = pair.privateKey;
  strangerKey = (await generateKeyPair('RS256')).privateKey;
  const publicJwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: KID, use: 'sig', alg: 'RS256' };
  jwks = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/${TENANT}/discovery/v2.0/keys`;
});

afterAll(() => new Promise((resolve) => jwks.close(resolve)));

/** An access token as Entra ID issues one for the API: a user's (delegated) or an app's (client credentials). */
async function entraToken(
  claims: { roles?: string[]; oid?: string; [claim: string]: unknown },
  options: { issuer?: string; audience?: string; key?: Key; kid?: string; expiresIn?: string } = {},
): Promise<string> {
  const oid = claims.oid ?? randomUUID();
  return (
    new SignJWT({
      aio: 'E2ZgYJg',
      azp: CLIENT_APP,
      azpacr: '0',
      rh: '0.AR8A',
      tid: TENANT,
      uti: randomUUID().slice(0, 22),
      ver: '2.0',
      ...claims,
      oid,
    })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: options.kid ?? KID })
      .setIssuer(options.issuer ?? ISSUER)
      .setAudience(options.audience ?? AUDIENCE)
      // Entra's sub is pairwise (per app), not the object id: the owner comes from another claim.
      .setSubject(randomUUID().replaceAll('-', ''))
      .setIssuedAt()
      .setNotBefore('0s')
      .setExpirationTime(options.expiresIn ?? '1h')
      .sign(options.key ?? signingKey)
  );
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The gateway verifying against the local tenant's keys, the owner read from `ownerClaim`. */
const entraGateway = (ownerClaim: string) =>
  startHarness({ JWT_SECRET: undefined, JWKS_URL: jwksUrl, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE, JWT_OWNER_CLAIM: ownerClaim });

describe('the gateway against Entra ID-shaped tokens (JWKS, owner = oid)', () => {
  let harness: Harness;
  const owner = randomUUID();
  const deliveryId = `entra-${randomUUID()}`;

  beforeAll(async () => {
    harness = await entraGateway('oid');
    await seedDelivery(harness, deliveryId, owner);
  });
  afterAll(() => harness?.close());

  const read = async (token: string) => harness.gateway.inject({ url: `/api/deliveries/${deliveryId}`, headers: bearer(token) });

  it('a user with the customer app role is the owner named by oid: their delivery is theirs, another user’s is not', async () => {
    const mine = await read(
      await entraToken({ roles: ['customer'], oid: owner, name: 'A Customer', preferred_username: 'a@example.com', scp: 'access_as_user' }),
    );
    expect(mine.statusCode).toBe(200);
    expect(mine.json().ownerId).toBe(owner);
    const theirs = await read(await entraToken({ roles: ['customer'], scp: 'access_as_user' }));
    expect(theirs.statusCode).toBe(404);
  });

  it('an app with the operator app role (client credentials, no user) reads any delivery', async () => {
    const response = await read(await entraToken({ roles: ['operator'], idtyp: 'app' }));
    expect(response.statusCode).toBe(200);
  });

  it('a token that grants none of the app roles is 403', async () => {
    const response = await read(await entraToken({ scp: 'access_as_user' }));
    expect(response.statusCode).toBe(403);
  });

  it('refuses another tenant, a v1 token, another audience, an unknown key, a foreign signature and an expired token (401)', async () => {
    const customer = { roles: ['customer'], oid: owner };
    const refused = await Promise.all([
      entraToken(customer, { issuer: `https://login.microsoftonline.com/${randomUUID()}/v2.0` }),
      entraToken({ ...customer, ver: '1.0' }, { issuer: `https://sts.windows.net/${TENANT}/` }),
      entraToken(customer, { audience: randomUUID() /* another API's client id */ }),
      entraToken(customer, { kid: 'a-key-the-tenant-never-published' }),
      entraToken(customer, { key: strangerKey }),
      entraToken(customer, { expiresIn: '-10m' }),
    ]);
    for (const token of refused) {
      const response = await read(token);
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toMatch(/^Bearer /);
    }
  });
});

describe('the owner from a claim of its own (JWT_OWNER_CLAIM)', () => {
  let harness: Harness;
  const deliveryId = `entra-claim-${randomUUID()}`;

  beforeAll(async () => {
    harness = await entraGateway('extension_ownerId');
    await seedDelivery(harness, deliveryId, 'fabrikam-north');
  });
  afterAll(() => harness?.close());

  it('maps the owner from that claim, not from oid; a customer token without it is 403', async () => {
    const claimed = await entraToken({ roles: ['customer'], extension_ownerId: 'fabrikam-north' });
    expect((await harness.gateway.inject({ url: `/api/deliveries/${deliveryId}`, headers: bearer(claimed) })).statusCode).toBe(200);
    const other = await entraToken({ roles: ['customer'], extension_ownerId: 'fabrikam-south' });
    expect((await harness.gateway.inject({ url: `/api/deliveries/${deliveryId}`, headers: bearer(other) })).statusCode).toBe(404);
    const without = await entraToken({ roles: ['customer'] });
    expect((await harness.gateway.inject({ url: `/api/deliveries/${deliveryId}`, headers: bearer(without) })).statusCode).toBe(403);
  });
});
