// Sign-in at an OpenID Connect provider with the authorization code flow and PKCE (RFC 7636),
// for a public client: the browser keeps a random verifier, sends its SHA-256 with the
// redirect, and exchanges the returned code with the verifier for an access token.

export interface OidcSettings {
  authority: string;
  clientId: string;
  scope: string;
}

const PENDING = 'dronedelivery.oidc';

const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');

export function randomVerifier(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

export async function challengeOf(verifier: string): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
}

interface Endpoints {
  authorization_endpoint: string;
  token_endpoint: string;
}

async function discover(authority: string): Promise<Endpoints> {
  const response = await fetch(`${authority.replace(/\/$/, '')}/.well-known/openid-configuration`);
  if (!response.ok) throw new Error(`The identity provider's configuration could not be read (HTTP ${response.status}).`);
  return (await response.json()) as Endpoints;
}

/** The provider's sign-in page for this browser, with the verifier and state remembered for the return. */
export async function signInUrl(settings: OidcSettings, redirectUri: string, storage: Storage): Promise<string> {
  const endpoints = await discover(settings.authority);
  const verifier = randomVerifier();
  const state = randomVerifier();
  storage.setItem(PENDING, JSON.stringify({ verifier, state, tokenEndpoint: endpoints.token_endpoint }));
  const url = new URL(endpoints.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: settings.clientId,
    redirect_uri: redirectUri,
    scope: settings.scope,
    state,
    code_challenge: await challengeOf(verifier),
    code_challenge_method: 'S256',
  }).toString();
  return url.toString();
}

/** On the return from the provider (?code=…&state=…): the access token, or undefined when this is no such return. */
export async function completeSignIn(
  settings: OidcSettings,
  location: URL,
  redirectUri: string,
  storage: Storage,
): Promise<string | undefined> {
  const code = location.searchParams.get('code');
  const pending = storage.getItem(PENDING);
  if (!code || !pending) return undefined;
  storage.removeItem(PENDING);
  const { verifier, state, tokenEndpoint } = JSON.parse(pending) as { verifier: string; state: string; tokenEndpoint: string };
  if (location.searchParams.get('state') !== state)
    throw new Error('The sign-in answer does not match the request (state); sign in again.');
  const response = await fetch(tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      client_id: settings.clientId,
      code_verifier: verifier,
    }),
  });
  if (!response.ok) throw new Error(`The identity provider refused the sign-in (HTTP ${response.status}).`);
  return ((await response.json()) as { access_token: string }).access_token;
}
