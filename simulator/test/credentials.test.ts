// Drone tokens from Microsoft Entra ID (DRONE_TOKEN_SCOPE): asked for once, shared by calls
// made meanwhile, kept until five minutes before they expire, asked for again after a failure.
// The credential stands in for the pod's workload identity, which only AKS can give.
import type { AccessToken, TokenCredential } from '@azure/identity';
import { describe, expect, it } from 'vitest';
import { credentialsFrom } from '../src/credentials.ts';

const SCOPE = 'api://00000000-0000-0000-0000-000000000010/.default';
const settings = {
  DRONE_TOKEN_SCOPE: SCOPE,
  JWT_ISSUER: 'https://dronedelivery.local/',
  JWT_AUDIENCE: 'api://dronedelivery',
  JWT_OWNER_CLAIM: 'oid',
  TRAFFIC_OWNERS: 3,
};

/** Answers each request with the next of `answers`, recording the scopes asked for. */
function identity(answers: (AccessToken | Error)[]) {
  const scopes: string[] = [];
  let made = 0;
  const credential: TokenCredential = {
    getToken: async (scope) => {
      scopes.push(String(scope));
      const answer = answers.shift();
      if (!answer) throw new Error('no more answers');
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
  return {
    scopes,
    made: () => made,
    make: async () => {
      made += 1;
      return credential;
    },
  };
}

describe('drone tokens from the workload identity', () => {
  it('asks once for the scope, shares the answer, and asks again five minutes before expiry', async () => {
    let now = 1_000_000;
    const entra = identity([
      { token: 'first', expiresOnTimestamp: now + 60 * 60_000 },
      { token: 'second', expiresOnTimestamp: now + 120 * 60_000 },
    ]);
    const credentials = credentialsFrom(settings, () => now, entra.make);
    expect(await Promise.all([credentials.drone(), credentials.drone()])).toEqual(['first', 'first']);
    now += 54 * 60_000;
    expect(await credentials.drone()).toBe('first');
    now += 2 * 60_000;
    expect(await credentials.drone()).toBe('second');
    expect(entra.scopes).toEqual([SCOPE, SCOPE]);
    expect(entra.made()).toBe(1);
  });

  it('a failed request fails those calls and is made again on the next', async () => {
    const now = 1_000_000;
    const entra = identity([
      new Error('AADSTS700211: no matching federated identity record'),
      { token: 'later', expiresOnTimestamp: now + 3_600_000 },
    ]);
    const credentials = credentialsFrom(settings, () => now, entra.make);
    await expect(credentials.drone()).rejects.toThrow(/AADSTS700211/);
    expect(await credentials.drone()).toBe('later');
  });

  it('DRONE_TOKEN is sent as it is, and no identity is asked', async () => {
    const entra = identity([]);
    const credentials = credentialsFrom(
      { ...settings, DRONE_TOKEN_SCOPE: undefined, DRONE_TOKEN: 'given.token.here' },
      Date.now,
      entra.make,
    );
    expect(await credentials.drone()).toBe('given.token.here');
    expect(entra.made()).toBe(0);
  });
});
