// The running systems the end-to-end suites drive through the gateway: embedded with
// everything in memory, again with real Redis and MongoDB whenever REDIS_URL and MONGODB_URL
// are set, a third time with the dronescheduler on Cosmos DB too when COSMOS_ENDPOINT is, and
// a fourth time on a Redis Cluster when REDIS_CLUSTER_URL is (CI sets them all).
import { randomUUID } from 'node:crypto';
import { type RunningSystem, startInProcess } from '@dronedelivery/fleet';
import { capturingLogger } from '@dronedelivery/service-kit/testing';

export { ORIGINAL_SAMPLE } from '@dronedelivery/fleet/samples';

const { REDIS_URL, REDIS_CLUSTER_URL, MONGODB_URL, COSMOS_ENDPOINT, COSMOS_KEY } = process.env;
const fresh = () => randomUUID().slice(0, 8);
/** Names of their own in shared servers, so that runs never meet. */
const isolated = () => ({ QUEUE_PREFIX: `e2e-${fresh()}`, MONGODB_DATABASE: `e2e_${fresh()}`, REDIS_KEY_PREFIX: `e2e-${fresh()}:` });

export interface Mode {
  name: string;
  env: Record<string, string | undefined>;
  /** Whether this run has the servers the mode needs (a mode without them is skipped, and says so). */
  available: boolean;
}

export const modes: Mode[] = [
  { name: 'embedded, everything in memory', env: {}, available: true },
  {
    name: 'with real Redis and MongoDB',
    env: { REDIS_URL, MONGODB_URL, ...isolated() },
    available: Boolean(REDIS_URL && MONGODB_URL),
  },
  // Every store real: the dronescheduler on Cosmos DB too (CI starts a Cosmos DB server and
  // sets COSMOS_ENDPOINT; its certificate is trusted through NODE_EXTRA_CA_CERTS).
  {
    name: 'with real Redis, MongoDB and Cosmos DB',
    env: { REDIS_URL, MONGODB_URL, COSMOS_ENDPOINT, COSMOS_KEY, COSMOS_DATABASE: `e2e_${fresh()}`, ...isolated() },
    available: Boolean(REDIS_URL && MONGODB_URL && COSMOS_ENDPOINT),
  },
  // The queue, idempotency keys, acceptances, deliveries and rate limits on a Redis Cluster of
  // three masters (CI starts one and sets REDIS_CLUSTER_URL): every multi-key write in one slot.
  {
    name: 'on a Redis Cluster, with MongoDB',
    env: { REDIS_URL: REDIS_CLUSTER_URL, REDIS_CLUSTER: 'true', MONGODB_URL, ...isolated() },
    available: Boolean(REDIS_CLUSTER_URL && MONGODB_URL),
  },
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
