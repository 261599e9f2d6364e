// The sign-in screen: a development token for a role (when the server signs them), a pasted
// bearer token (always), or the identity provider's sign-in page (when one is configured).
import { useState } from 'preact/hooks';
import type { ConsoleConfig } from './config.ts';
import { signInUrl } from './pkce.ts';

export function SignIn({
  config,
  onToken,
  error,
}: {
  config: ConsoleConfig;
  onToken: (token: string) => void;
  error?: string | undefined;
}) {
  const [role, setRole] = useState<'customer' | 'operator'>('customer');
  const [ownerId, setOwnerId] = useState('myowner');
  const [pasted, setPasted] = useState('');
  const [problem, setProblem] = useState<string | undefined>(error);

  async function devToken(event: Event) {
    event.preventDefault();
    setProblem(undefined);
    const response = await fetch('/dev/tokens', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(role === 'customer' ? { role, ownerId } : { role }),
    });
    const body = (await response.json()) as { token?: string; errors?: { path: string; message: string }[]; detail?: string };
    if (body.token) onToken(body.token);
    else setProblem(body.errors?.map((e) => `${e.path.replace(/^body\./, '')} ${e.message}`).join('; ') ?? body.detail);
  }

  async function providerSignIn() {
    if (!config.oidc) return;
    try {
      location.assign(await signInUrl(config.oidc, `${location.origin}/`, sessionStorage));
    } catch (failure) {
      setProblem((failure as Error).message);
    }
  }

  return (
    <section class="sign-in" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">Sign in</h1>
      {problem && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
      {config.devTokens && (
        <form class="card" onSubmit={devToken}>
          <h2>Development token</h2>
          <fieldset>
            <legend>Sign in as</legend>
            <label>
              <input type="radio" name="role" value="customer" checked={role === 'customer'} onChange={() => setRole('customer')} />{' '}
              Customer
            </label>
            <label>
              <input type="radio" name="role" value="operator" checked={role === 'operator'} onChange={() => setRole('operator')} />{' '}
              Operator
            </label>
          </fieldset>
          {role === 'customer' && (
            <label class="field">
              Owner id
              <input name="ownerId" value={ownerId} onInput={(e) => setOwnerId(e.currentTarget.value)} autocomplete="username" />
            </label>
          )}
          <button type="submit">Get a development token</button>
        </form>
      )}
      {config.oidc && (
        <div class="card">
          <h2>Your organization</h2>
          <button type="button" onClick={providerSignIn}>
            Sign in with your identity provider
          </button>
        </div>
      )}
      <form
        class="card"
        onSubmit={(event) => {
          event.preventDefault();
          onToken(pasted);
        }}
      >
        <h2>Bearer token</h2>
        <label class="field">
          Paste a token the gateway accepts
          <textarea name="token" rows={3} value={pasted} onInput={(e) => setPasted(e.currentTarget.value)} spellcheck={false} />
        </label>
        <button type="submit">Use this token</button>
      </form>
    </section>
  );
}
