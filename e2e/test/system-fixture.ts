// The running systems the end-to-end suites drive through the gateway: embedded with
// everything in memory, again with real Redis and MongoDB whenever REDIS_URL and MONGODB_URL
// are set, and a third time with the dronescheduler on Cosmos DB too when COSMOS_ENDPOINT is
// (CI sets all three).
import { randomUUID } from 'node:crypto';
import { type RunningSystem, startInProcess } from '@dronedelivery/fleet';
import { capturingLogger } from '@dronedelivery/service-kit/testing';

export { ORIGINAL_SAMPLE } from '@dronedelivery/fleet/samples';

const realServers = { REDIS_URL: process.env.REDIS_URL, MONGODB_URL: process.env.MONGODB_URL };

export const modes = [
  { name: 'embedded, everything in memory', env: {} as Record<string, string | undefined> },
  ...(realServers.REDIS_URL && realServers.MONGODB_URL
    ? [
        {
          name: 'with real Redis and MongoDB',
          env: {
            ...realServers,
            QUEUE_PREFIX: `e2e-${randomUUID().slice(0, 8)}`,
            MONGODB_DATABASE: `e2e_${randomUUID().slice(0, 8)}`,
            REDIS_KEY_PREFIX: `e2e-${randomUUID().slice(0, 8)}:`,
          },
        },
      ]
    : []),
  // A third time with every store real: the dronescheduler on Cosmos DB too (CI starts a
  // Cosmos DB server and sets COSMOS_ENDPOINT; its certificate is trusted through NODE_EXTRA_CA_CERTS).
  ...(realServers.REDIS_URL && realServers.MONGODB_URL && process.env.COSMOS_ENDPOINT
    ? [
        {
          name: 'with real Redis, MongoDB and Cosmos DB',
          env: {
            ...realServers,
            COSMOS_ENDPOINT: process.env.COSMOS_ENDPOINT,
            COSMOS_KEY: process.env.COSMOS_KEY,
            COSMOS_DATABASE: `e2e_${randomUUID().slice(0, 8)}`,
            QUEUE_PREFIX: `e2e-${randomUUID().slice(0, 8)}`,
            MONGODB_DATABASE: `e2e_${randomUUID().slice(0, 8)}`,
            REDIS_KEY_PREFIX: `e2e-${randomUUID().slice(0, 8)}:`,
          },
        },
      ]
    : []),
];

export async function startTestSystem(env: Record<string, string | undefined>): Promise<RunningSystem> {
  return startInProcess({
    // A busy CI machine lags event loops by seconds: shedding is not what these suites test.
    env: { ...env, QUEUE_BACKOFF_MS: '200', LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '0' },
    logFor: (service) => capturingLogger(service).log,
  });
}

/** A client of the gateway with a bearer token. */
export function client(gateway: string) {
  const call = (method: string, path: string, bearer: string | undefined, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${gateway}${path}`, {
      method,
      headers: {
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  const json = async <T>(response: Response) => (await response.json()) as T;
  return { call, json };
}
