// A scenario run with a given token sends its requests as that token's owner: a development
// token's owner_id, or an Entra ID token's oid (JWT_OWNER_CLAIM=oid in production).
import { describe, expect, it } from 'vitest';
import { tokenOwner } from '../src/target.ts';

const encode = (part: string) => Buffer.from(part).toString('base64url');
const token = (claims: Record<string, unknown>) => `${encode('{"alg":"RS256","typ":"JWT"}')}.${encode(JSON.stringify(claims))}.c2ln`;

describe('tokenOwner', () => {
  it('reads owner_id first, then oid', () => {
    expect(tokenOwner(token({ owner_id: 'owner-1', oid: 'object-1' }))).toBe('owner-1');
    expect(tokenOwner(token({ oid: 'object-1', roles: ['customer'] }))).toBe('object-1');
  });

  it('gives nothing for a token without an owner or one that is not a JWT', () => {
    expect(tokenOwner(token({ roles: ['customer'] }))).toBeUndefined();
    expect(tokenOwner(token({ owner_id: '' }))).toBeUndefined();
    expect(tokenOwner('not-a-jwt')).toBeUndefined();
    expect(tokenOwner('a.%%%.b')).toBeUndefined();
  });
});
