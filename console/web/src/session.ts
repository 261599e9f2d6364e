// Who is signed in: the bearer token, kept in sessionStorage (gone when the tab closes), and
// what its claims say. The claims are read, not verified: the gateway verifies every call.

export interface Session {
  token: string;
  role: 'customer' | 'operator';
  ownerId?: string;
  subject?: string;
  expiresAt?: number;
}

const KEY = 'dronedelivery.token';

function claimsOf(token: string): Record<string, unknown> | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const json = atob(
      payload
        .replaceAll('-', '+')
        .replaceAll('_', '/')
        .padEnd(Math.ceil(payload.length / 4) * 4, '='),
    );
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0)))) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** The session a token gives, or why it gives none. */
export function sessionFrom(token: string, ownerClaim: string): Session | string {
  const trimmed = token.trim().replace(/^Bearer\s+/i, '');
  const claims = claimsOf(trimmed);
  if (!claims) return 'This is not a JWT (three base64url parts separated by dots).';
  const roles = Array.isArray(claims.roles) ? claims.roles : [];
  const expiresAt = typeof claims.exp === 'number' ? claims.exp * 1000 : undefined;
  if (expiresAt !== undefined && expiresAt < Date.now()) return 'This token has expired.';
  const owner = claims[ownerClaim];
  const common = {
    token: trimmed,
    ...(typeof claims.sub === 'string' ? { subject: claims.sub } : {}),
    ...(expiresAt === undefined ? {} : { expiresAt }),
  };
  if (roles.includes('operator')) return { ...common, role: 'operator', ...(typeof owner === 'string' ? { ownerId: owner } : {}) };
  if (roles.includes('customer') && typeof owner === 'string') return { ...common, role: 'customer', ownerId: owner };
  return `The token grants neither the operator role nor the customer role with an ${ownerClaim} claim.`;
}

export function storedToken(storage: Storage): string | undefined {
  return storage.getItem(KEY) ?? undefined;
}

export function storeToken(storage: Storage, token: string | undefined): void {
  if (token) storage.setItem(KEY, token);
  else storage.removeItem(KEY);
}
