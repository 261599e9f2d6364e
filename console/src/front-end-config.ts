// GET /config.json: what the front end needs to know at start, and nothing secret.
import type { Config } from './config.ts';

export interface FrontEndConfig {
  tileUrl?: string;
  devTokens: boolean;
  serviceArea: { south: number; west: number; north: number; east: number };
  ownerClaim: string;
  oidc?: { authority: string; clientId: string; scope: string };
}

export function frontEndConfig(config: Config): FrontEndConfig {
  return {
    ...(config.TILE_URL ? { tileUrl: config.TILE_URL } : {}),
    devTokens: Boolean(config.DEV_TOKEN_SECRET),
    serviceArea: config.SERVICE_AREA,
    ownerClaim: config.JWT_OWNER_CLAIM,
    ...(config.OIDC_AUTHORITY && config.OIDC_CLIENT_ID
      ? { oidc: { authority: config.OIDC_AUTHORITY, clientId: config.OIDC_CLIENT_ID, scope: config.OIDC_SCOPE } }
      : {}),
  };
}
