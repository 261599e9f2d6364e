// The console: settings and session first, then the view for the signed-in role; the
// location's hash says which delivery is open (#/deliveries/<id>).
import { useEffect, useMemo, useState } from 'preact/hooks';
import { createApi } from './api.ts';
import type { ConsoleConfig } from './config.ts';
import { CustomerView } from './customer/customer-view.tsx';
import { OperatorView } from './operator/operator-view.tsx';
import { type Session, sessionFrom, storedToken, storeToken } from './session.ts';
import { SignIn } from './sign-in.tsx';

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const changed = () => setHash(location.hash);
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return hash;
}

export function App({ config, initialError }: { config: ConsoleConfig; initialError?: string | undefined }) {
  const [session, setSession] = useState<Session | undefined>(() => {
    const token = storedToken(sessionStorage);
    const restored = token ? sessionFrom(token, config.ownerClaim) : undefined;
    return typeof restored === 'object' ? restored : undefined;
  });
  const [error, setError] = useState<string | undefined>(initialError);
  const hash = useHash();

  const signIn = (token: string) => {
    const next = sessionFrom(token, config.ownerClaim);
    if (typeof next === 'string') return setError(next);
    storeToken(sessionStorage, next.token);
    setError(undefined);
    setSession(next);
  };
  const signOut = (reason?: string) => {
    storeToken(sessionStorage, undefined);
    setSession(undefined);
    setError(reason);
    location.hash = '';
  };
  const api = useMemo(
    () =>
      session ? createApi(session.token, () => signOut('The gateway refused the token (expired or invalid); sign in again.')) : undefined,
    [session],
  );

  return (
    <>
      <header class="banner">
        <a class="brand" href="#/">
          Drone Delivery
        </a>
        {session && (
          <nav aria-label="Session">
            <span>
              {session.role === 'customer' ? `Customer ${session.ownerId}` : 'Operator'}
              {session.expiresAt ? `, until ${new Date(session.expiresAt).toLocaleTimeString()}` : ''}
            </span>
            <button type="button" class="secondary" onClick={() => signOut()}>
              Sign out
            </button>
          </nav>
        )}
      </header>
      <main id="main">
        {!session || !api ? (
          <SignIn config={config} onToken={signIn} error={error} />
        ) : session.role === 'operator' ? (
          <OperatorView api={api} config={config} />
        ) : (
          <CustomerView api={api} config={config} ownerId={session.ownerId as string} openId={/^#\/deliveries\/(.+)$/.exec(hash)?.[1]} />
        )}
      </main>
    </>
  );
}
