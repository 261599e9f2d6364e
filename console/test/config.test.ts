// The console's settings: what start-up refuses, and what it derives.
import { ConfigError } from '@dronedelivery/service-kit';
import { describe, expect, it } from 'vitest';
import { pageSecurityPolicy } from '../src/security-headers.ts';
import { loadConsoleConfig } from './config-fixture.ts';

const problemsWith = (env: Record<string, string>) => {
  try {
    loadConsoleConfig(env);
  } catch (error) {
    return (error as ConfigError).problems.map((problem) => problem.variable);
  }
  return [];
};

describe('the console configuration', () => {
  it('defaults to port 8086, the local gateway and no development tokens', () => {
    const config = loadConsoleConfig();
    expect(config).toMatchObject({ PORT: 8086, GATEWAY_URL: 'http://127.0.0.1:8080', OIDC_SCOPE: 'openid profile' });
    expect(config.DEV_TOKEN_SECRET).toBeUndefined();
  });

  it.each([
    [{ TILE_URL: 'https://tile.example/{z}/{x}.png' }, 'TILE_URL'],
    [{ TILE_URL: 'javascript:alert(1)//{z}{x}{y}' }, 'TILE_URL'],
    [{ DEV_TOKEN_SECRET: 'short' }, 'DEV_TOKEN_SECRET'],
    [{ OIDC_AUTHORITY: 'https://login.example/' }, 'OIDC_CLIENT_ID'],
    [{ GATEWAY_URL: 'not a url' }, 'GATEWAY_URL'],
    [{ SERVICE_AREA: '47,-122,46,-121' }, 'SERVICE_AREA'],
  ])('refuses %j', (env, variable) => {
    expect(() => loadConsoleConfig(env)).toThrow(ConfigError);
    expect(problemsWith(env)).toContain(variable);
  });

  it('lets the pages load images from the tile server and talk to the identity provider, nothing more', () => {
    const policy = pageSecurityPolicy(
      loadConsoleConfig({
        TILE_URL: 'https://tile.example:8443/{z}/{x}/{y}.png',
        OIDC_AUTHORITY: 'https://login.example/t/v2.0',
        OIDC_CLIENT_ID: 'c',
      }),
    );
    expect(policy).toContain("img-src 'self' https://tile.example:8443");
    expect(policy).toContain("connect-src 'self' https://login.example");
  });
});
