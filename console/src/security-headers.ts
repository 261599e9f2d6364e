// The Content-Security-Policy that keeps the console's pages to their own code: a Content-Security-Policy
// with no inline script, connections to this origin only (plus the identity provider when
// one is configured, for the token exchange), and images from here or the tile server.
import type { Config } from './config.ts';

const originOf = (url: string) => new URL(url.replaceAll(/\{[xyz]\}/g, '0')).origin;

const directives = (config: Pick<Config, 'TILE_URL' | 'OIDC_AUTHORITY'>): Record<string, string[]> => ({
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", ...(config.TILE_URL ? [originOf(config.TILE_URL)] : [])],
  'connect-src': ["'self'", ...(config.OIDC_AUTHORITY ? [originOf(config.OIDC_AUTHORITY)] : [])],
  'font-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
});

/** The Content-Security-Policy header of the console's pages. */
export function pageSecurityPolicy(config: Pick<Config, 'TILE_URL' | 'OIDC_AUTHORITY'>): string {
  return Object.entries(directives(config))
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');
}
