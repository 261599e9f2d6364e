// Entry point: reads the settings, finishes an identity provider's sign-in if this page is
// its return, and renders the console.
import { render } from 'preact';
import { App } from './app.tsx';
import { loadConfig } from './config.ts';
import { completeSignIn } from './pkce.ts';
import { storeToken } from './session.ts';

const root = document.getElementById('app') as HTMLElement;

try {
  const config = await loadConfig();
  let initialError: string | undefined;
  if (config.oidc) {
    try {
      const token = await completeSignIn(config.oidc, new URL(location.href), `${location.origin}/`, sessionStorage);
      if (token) storeToken(sessionStorage, token);
    } catch (error) {
      initialError = (error as Error).message;
    }
    // The code must not stay in the address bar (or in the history).
    if (location.search) history.replaceState(null, '', `/${location.hash}`);
  }
  root.textContent = '';
  render(<App config={config} initialError={initialError} />, root);
  performance.mark('console-rendered');
} catch (error) {
  root.textContent = `The console could not start: ${(error as Error).message}`;
}
