// A hello route for the overhead benchmark, built the way the first argument says:
// "fastify" (bare Fastify, no logger) or "kit" (the service kit's createServer).
// Reports the port it listens on to the parent process over IPC.
import Fastify from 'fastify';
import { baseConfigSchema, loadConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { createServer } from '../src/server.ts';

const kind = process.argv[2];
const app =
  kind === 'kit'
    ? await (async () => {
        const config = loadConfig('hello', baseConfigSchema, process.env);
        const kit = await createServer({
          name: 'hello',
          version: '0.0.0',
          config,
          logger: createLogger({ service: 'hello', version: '0.0.0', level: config.LOG_LEVEL }),
        });
        kit.health.markStarted();
        return kit;
      })()
    : Fastify();
app.get('/hello', async () => ({ hello: 'world' }));
await app.listen({ host: '127.0.0.1', port: 0 });
process.send?.((app.server.address() as { port: number }).port);
