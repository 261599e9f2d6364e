// Builds the gateway: the public API (an encapsulated plugin that owns authentication, per-
// caller rate limits and its routes), CORS, and one OpenAPI document with a docs page.

import type { RedisClient } from '@dronedelivery/redis';
import {
  createServer,
  HttpClient,
  httpClientSettingsFrom,
  type Logger,
  type OpenApiOptions,
  type ServiceInstance,
} from '@dronedelivery/service-kit';
import cors from '@fastify/cors';
import swaggerUi from '@fastify/swagger-ui';
import packageJson from '../package.json' with { type: 'json' };
import { createVerifier } from './auth.ts';
import { CanarySplit, type Upstream } from './canary.ts';
import type { Config } from './config.ts';
import { EventStreams } from './event-streams.ts';
import { publicApi } from './public-api.ts';
import type { Upstreams } from './upstreams.ts';

/** The public API's operations require a bearer token; the docs page offers an Authorize button for it. */
const OPEN_API: OpenApiOptions = {
  securitySchemes: {
    bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A JWT from the identity provider.' },
  },
};

/**
 * The docs page's Content-Security-Policy, in place of the kit's `default-src 'none'` for
 * an API: swagger-ui's own scripts, styles and images, its calls to this origin (the
 * document, "Try it out"), and nothing inline or from elsewhere.
 */
const DOCS_CSP = {
  'default-src': ["'none'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
};

/**
 * The Redis that keeps rate-limit counts when REDIS_URL is set; none (counts in memory)
 * otherwise. ioredis is loaded only then, so a gateway counting in memory never carries it.
 */
async function rateLimitRedis(config: Config, log: Logger): Promise<RedisClient | undefined> {
  if (!config.REDIS_URL) return undefined;
  const { createRedisClient } = await import('@dronedelivery/redis');
  return createRedisClient(
    {
      url: config.REDIS_URL,
      password: config.REDIS_PASSWORD,
      cluster: config.REDIS_CLUSTER === 'true',
      keyPrefix: 'gateway:ratelimit:',
      connectionName: 'dronedelivery-gateway',
      commandTimeoutMs: 500,
    },
    log,
  );
}

export interface GatewayDependencies {
  config: Config;
  log: Logger;
}

export async function buildApp({ config, log }: GatewayDependencies): Promise<ServiceInstance> {
  const app = await createServer({ name: 'gateway', version: packageJson.version, logger: log, config, openApi: OPEN_API });
  const settings = httpClientSettingsFrom(config);
  const upstream = (name: keyof Upstreams, baseUrl: string, canaryUrl: string | undefined, canaryPercent: number): Upstream => {
    const stable = new HttpClient({ upstream: name, baseUrl, metrics: app.metrics, ...settings });
    if (!canaryUrl) return stable;
    log.info({ upstream: name, canary: canaryUrl, percent: canaryPercent }, `${canaryPercent}% of ${name} calls go to its canary`);
    return new CanarySplit(
      stable,
      new HttpClient({ upstream: `${name}-canary`, baseUrl: canaryUrl, metrics: app.metrics, ...settings }),
      canaryPercent,
    );
  };
  const upstreams: Upstreams = {
    ingestion: upstream('ingestion', config.INGESTION_URL, config.INGESTION_CANARY_URL, config.INGESTION_CANARY_PERCENT),
    delivery: upstream('delivery', config.DELIVERY_URL, config.DELIVERY_CANARY_URL, config.DELIVERY_CANARY_PERCENT),
    package: upstream('package', config.PACKAGE_URL, config.PACKAGE_CANARY_URL, config.PACKAGE_CANARY_PERCENT),
    dronescheduler: upstream(
      'dronescheduler',
      config.DRONESCHEDULER_URL,
      config.DRONESCHEDULER_CANARY_URL,
      config.DRONESCHEDULER_CANARY_PERCENT,
    ),
    workflow: upstream('workflow', config.WORKFLOW_URL, undefined, 0),
  };
  for (const client of Object.values(upstreams)) app.lifecycle.onShutdown(`${client.upstream} client`, () => client.close());

  const redis = await rateLimitRedis(config, log);
  if (redis) {
    redis.connect().catch(() => undefined);
    // An unreachable Redis refuses QUIT: drop the connection, or its reconnecting keeps the process alive.
    app.lifecycle.onShutdown('rate-limit store', () => redis.quit().catch(() => redis.disconnect()));
  }
  await app.register(cors, {
    origin: config.CORS_ORIGINS.length > 0 ? config.CORS_ORIGINS : false,
    allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-request-id'],
    exposedHeaders: ['location', 'retry-after', 'x-request-id'],
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    // The top bar (an "explore" box and a logo whose inline <style> the CSP refuses) has no
    // use on a page for one API; nor has swagger.io's validator badge, which sends it our URL.
    uiConfig: { layout: 'BaseLayout', validatorUrl: null },
    staticCSP: DOCS_CSP,
    transformSpecification: (document) => document,
  });

  const streams = new EventStreams({
    pollMs: config.STREAM_POLL_MS,
    maxPerCaller: config.STREAM_MAX_PER_CALLER,
    max: config.STREAM_MAX,
    maxSeconds: config.STREAM_MAX_SECONDS,
  });
  // Before the server closes: an open stream would otherwise hold the drain until its timeout.
  app.addHook('preClose', async () => streams.closeAll());

  await app.register(publicApi, {
    upstreams,
    streams,
    workflowToken: config.WORKFLOW_ADMIN_TOKEN,
    readiness: () => app.health.readiness(),
    partTimeoutMs: config.AGGREGATION_PART_TIMEOUT_MS,
    verify: createVerifier(config),
    rateLimit: {
      max: config.RATE_LIMIT_MAX,
      windowMs: config.RATE_LIMIT_WINDOW_MS,
      redis,
      onStoreFailure: config.RATE_LIMIT_ON_STORE_FAILURE,
    },
  });
  return app;
}
