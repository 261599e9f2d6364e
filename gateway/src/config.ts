// The gateway's settings, read once from the environment. Authentication is always on:
// a JWT secret (local development) or a JWKS URL (Microsoft Entra ID) must be configured.
import { redisConnectionSchema } from '@dronedelivery/redis/config';
import { baseConfigSchema, httpClientConfigSchema } from '@dronedelivery/service-kit';
import { z } from 'zod';

const list = z
  .string()
  .transform((text) =>
    text
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  )
  .default([]);

const percent = z.coerce.number().min(0).max(100).default(0);

export const configSchema = baseConfigSchema
  .extend({
    ...httpClientConfigSchema.shape,
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    /**
     * Keep-alive connections per upstream. More than the services' 32: every client request
     * holds one for its whole upstream call, so 32 capped the gateway near 3,200 requests/s
     * whatever its CPU (loadtest/results/capacity-gateway.md).
     */
    UPSTREAM_CONNECTIONS: z.coerce.number().int().min(1).default(128),
    INGESTION_URL: z.url().default('http://127.0.0.1:8081'),
    DELIVERY_URL: z.url().default('http://127.0.0.1:8082'),
    PACKAGE_URL: z.url().default('http://127.0.0.1:8083'),
    DRONESCHEDULER_URL: z.url().default('http://127.0.0.1:8084'),
    /** The workflow, for operators: its queue's counts and dead letters. */
    WORKFLOW_URL: z.url().default('http://127.0.0.1:8085'),
    /** The workflow's operator token (its WORKFLOW_ADMIN_TOKEN), from a Secret; unset, the dead-letter routes answer 403. */
    WORKFLOW_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    /**
     * Side-by-side versions: a second release of a service (e.g. http://delivery-v2) and the
     * share of the gateway's calls to that service it gets, 0-100 (see canary.ts).
     */
    INGESTION_CANARY_URL: z.url().optional(),
    INGESTION_CANARY_PERCENT: percent,
    DELIVERY_CANARY_URL: z.url().optional(),
    DELIVERY_CANARY_PERCENT: percent,
    PACKAGE_CANARY_URL: z.url().optional(),
    PACKAGE_CANARY_PERCENT: percent,
    DRONESCHEDULER_CANARY_URL: z.url().optional(),
    DRONESCHEDULER_CANARY_PERCENT: percent,
    /** HS256 shared secret (local development). From a Secret; at least 32 characters. */
    JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    /** Keys for RS256/ES256 tokens, e.g. https://login.microsoftonline.com/{tenant}/discovery/v2.0/keys */
    JWKS_URL: z.url().optional(),
    JWT_ISSUER: z.string().min(1).default('https://dronedelivery.local/'),
    JWT_AUDIENCE: z.string().min(1).default('api://dronedelivery'),
    JWT_CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
    /** The claim that carries the caller's owner id (customers). */
    JWT_OWNER_CLAIM: z.string().min(1).default('owner_id'),
    /** Requests per caller per window; Redis-backed across replicas when REDIS_URL is set. */
    RATE_LIMIT_MAX: z.coerce.number().int().min(1).default(600),
    RATE_LIMIT_WINDOW_MS: z.coerce.number().int().min(100).default(60_000),
    /**
     * When the rate limiter's Redis cannot answer: `allow` lets requests through unlimited (the
     * API stays available; a limit is a protection, not a contract), `refuse` answers 503 with
     * Retry-After (no request escapes the limit).
     */
    RATE_LIMIT_ON_STORE_FAILURE: z.enum(['allow', 'refuse']).default('allow'),
    ...redisConnectionSchema.shape,
    /** Origins allowed by CORS (comma-separated); none by default. */
    CORS_ORIGINS: list,
    /** Budget for each part of an aggregated view; a part that misses it is left out with a warning. */
    AGGREGATION_PART_TIMEOUT_MS: z.coerce.number().int().min(10).default(1_500),
    /** Server-sent event streams: how often each re-reads its upstream view (a change is sent as an event). */
    STREAM_POLL_MS: z.coerce.number().int().min(50).max(60_000).default(1_000),
    /** Event streams one caller may have open at once (429 past it). */
    STREAM_MAX_PER_CALLER: z.coerce.number().int().min(1).default(4),
    /** Event streams this gateway instance serves at once (503 past it). */
    STREAM_MAX: z.coerce.number().int().min(1).default(1_000),
    /** A stream is closed after this long (and when its caller's token expires); the client reconnects. */
    STREAM_MAX_SECONDS: z.coerce.number().int().min(1).default(600),
    /** Slow-client protection: a request not received within this long gets 408. */
    REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  })
  .refine((config) => Boolean(config.JWT_SECRET) !== Boolean(config.JWKS_URL), {
    message: 'set exactly one of JWT_SECRET (HS256, development) or JWKS_URL (RS256/ES256); authentication cannot be turned off',
    path: ['JWT_SECRET'],
  });

export type Config = z.infer<typeof configSchema>;
