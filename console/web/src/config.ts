// What the console's server tells the front end at start (GET /config.json).
import type { Area } from './map/projection.ts';
import type { OidcSettings } from './pkce.ts';

export interface ConsoleConfig {
  tileUrl?: string;
  devTokens: boolean;
  serviceArea: Area;
  ownerClaim: string;
  oidc?: OidcSettings;
}

export async function loadConfig(): Promise<ConsoleConfig> {
  const response = await fetch('/config.json');
  if (!response.ok) throw new Error(`The console's settings could not be read (HTTP ${response.status}).`);
  return (await response.json()) as ConsoleConfig;
}
