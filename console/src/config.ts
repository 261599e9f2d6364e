// The console's settings, read once from the environment: where the gateway is, what the
// front end is told (/config.json), and the development token signer that is off by default.
import { fileURLToPath } from 'node:url';
import { serviceAreaSetting } from '@dronedelivery/geo';
import { baseConfigSchema } from '@dronedelivery/service-kit';
import { z } from 'zod';

/** The built front end: dist/web next to src/ and dist/, so sources and compiled code find the same folder. */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../dist/web/', import.meta.url));

/** A slippy-map tile template: an https (or http, for a local tile server) URL with {z}, {x} and {y}. */
const tileTemplate = z
  .url({ protocol: /^https?$/ })
  .refine((url) => ['{z}', '{x}', '{y}'].every((part) => url.includes(part)), 'must contain {z}, {x} and {y}');

export const configSchema = baseConfigSchema
  .extend({
    PORT: z.coerce.number().int().min(0).max(65535).default(8086),
    /** Where /api/* goes: the public API gateway. */
    GATEWAY_URL: z.url().default('http://127.0.0.1:8080'),
    /**
     * How long a proxied answer may stay silent before the proxy gives up on it. Streams of
     * server-sent events are silent between changes; the front end reconnects when one ends.
     */
    PROXY_IDLE_TIMEOUT_MS: z.coerce.number().int().min(0).default(120_000),
    /** The built front end (vite build's output). */
    WEB_ROOT: z.string().min(1).default(DEFAULT_WEB_ROOT),
    /** Optional map tiles under the drawn map, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png; unset: the map is drawn offline. */
    TILE_URL: tileTemplate.optional(),
    /** The area the map shows: "south,west,north,east" in degrees (the same setting as ingestion's and the dronescheduler's). */
    SERVICE_AREA: serviceAreaSetting,
    /**
     * Development only: the gateway's HS256 secret (its JWT_SECRET). Set, POST /dev/tokens signs
     * tokens for whoever asks, so it must never be set in production; unset, that route is 404.
     */
    DEV_TOKEN_SECRET: z.string().min(32, 'must be at least 32 characters (the gateway JWT_SECRET)').optional(),
    JWT_ISSUER: z.string().min(1).default('https://dronedelivery.local/'),
    JWT_AUDIENCE: z.string().min(1).default('api://dronedelivery'),
    JWT_OWNER_CLAIM: z.string().min(1).default('owner_id'),
    /** The identity provider for the sign-in link (authorization code + PKCE), e.g. https://login.microsoftonline.com/{tenant}/v2.0. */
    OIDC_AUTHORITY: z.url({ protocol: /^https?$/ }).optional(),
    /** The console's public client id at that provider (no secret: a browser cannot keep one). */
    OIDC_CLIENT_ID: z.string().min(1).optional(),
    /** Scopes to ask for; with Entra ID, the API's scope, e.g. "openid api://dronedelivery/.default". */
    OIDC_SCOPE: z.string().min(1).default('openid profile'),
  })
  .refine((config) => Boolean(config.OIDC_AUTHORITY) === Boolean(config.OIDC_CLIENT_ID), {
    message: 'set both OIDC_AUTHORITY and OIDC_CLIENT_ID, or neither',
    path: ['OIDC_CLIENT_ID'],
  });

export type Config = z.infer<typeof configSchema>;
