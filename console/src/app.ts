// The console's server: the built front end with its security headers, /config.json, the
// development token signer when configured, and /api/* passed through to the gateway so that
// the browser talks to one origin.
import { existsSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { createServer, type Logger, NotFound, type ServiceInstance } from '@dronedelivery/service-kit';
import proxy from '@fastify/http-proxy';
import fastifyStatic from '@fastify/static';
import packageJson from '../package.json' with { type: 'json' };
import type { Config } from './config.ts';
import { registerDevTokens } from './dev-tokens.ts';
import { frontEndConfig } from './front-end-config.ts';
import { pageSecurityPolicy } from './security-headers.ts';

/** Vite names its bundles by content hash: a changed file is a new URL, so the old one may be kept for a year. */
const HASHED_ASSET_CACHE = 'public, max-age=31536000, immutable';

/** The gateway's event streams (`…/updates`): they last until the client or the server ends them. */
const EVENT_STREAM = /\/updates(\?|$)/;

/**
 * A proxied event stream never finishes on its own, and closing the server waits for every
 * open response: on close, the streams are ended (their clients reconnect to another replica),
 * while other requests finish as usual.
 */
function endStreamsOnClose(api: ServiceInstance): void {
  const streams = new Set<IncomingMessage>();
  api.addHook('onRequest', async (request) => {
    if (!EVENT_STREAM.test(request.url)) return;
    streams.add(request.raw);
    request.raw.once('close', () => streams.delete(request.raw));
  });
  api.addHook('preClose', async () => {
    for (const stream of streams) stream.socket.destroy();
  });
}

export interface ConsoleDeps {
  config: Config;
  log: Logger;
}

export async function buildApp({ config, log }: ConsoleDeps): Promise<ServiceInstance> {
  const app = await createServer({ name: 'console', version: packageJson.version, logger: log, config });

  // The kit already sets the hardening headers of a JSON API, whose policy forbids every
  // script; pages need their own scripts, styles and map tiles, and nothing else.
  const policy = pageSecurityPolicy(config);
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('content-security-policy', policy);
  });

  app.get('/config.json', async (_request, reply) => {
    reply.header('cache-control', 'no-cache');
    return frontEndConfig(config);
  });

  if (config.DEV_TOKEN_SECRET) {
    registerDevTokens(app, { ...config, DEV_TOKEN_SECRET: config.DEV_TOKEN_SECRET });
    log.warn('DEV_TOKEN_SECRET is set: POST /dev/tokens signs tokens for anyone (development only)');
  }

  // The proxy passes bodies through as they come: none of the kit's JSON parsing in its context.
  await app.register(async (api) => {
    api.removeAllContentTypeParsers();
    endStreamsOnClose(api);
    await api.register(proxy, {
      upstream: config.GATEWAY_URL,
      prefix: '/api',
      rewritePrefix: '/api',
      // Streams of server-sent events are passed on as they arrive; only silence ends one.
      undici: { connections: 128, headersTimeout: 30_000, bodyTimeout: config.PROXY_IDLE_TIMEOUT_MS },
    });
  });

  if (existsSync(join(config.WEB_ROOT, 'index.html'))) {
    await app.register(fastifyStatic, {
      root: config.WEB_ROOT,
      wildcard: false,
      cacheControl: false,
      setHeaders: (reply, path) => {
        reply.header('cache-control', path.includes('/assets/') ? HASHED_ASSET_CACHE : 'no-cache');
      },
    });
  } else {
    log.warn({ webRoot: config.WEB_ROOT }, 'the front end is not built: run pnpm --filter @dronedelivery/console build');
    app.get('/', async () => {
      throw new NotFound(`The front end is not built (${config.WEB_ROOT}): run pnpm --filter @dronedelivery/console build.`);
    });
  }
  return app;
}
