// What no test server can show the Cosmos DB adapter: throttling that outlasts the SDK's
// retries (429 with the server's retry-after) and an account that cannot be reached, checked
// against a stand-in for the SDK's client that fails every call. Everything else the adapter
// does (partition keys, the invoicing query, If-Match on bookings, deletes, RU reporting) is
// checked against a real Cosmos DB server: store.cosmos.test.ts, api.test.ts and
// partitions.cosmos.test.ts.
import { type CosmosClient, ErrorResponse } from '@azure/cosmos';
import { capturingLogger } from '@dronedelivery/service-kit/testing';
import { describe, expect, it } from 'vitest';
import { CosmosSchedulerStore } from '../src/store/cosmos.ts';

function cosmosError(code: number, retryAfterInMs?: number): ErrorResponse {
  const error = new ErrorResponse(`status ${code}`);
  error.code = code;
  if (retryAfterInMs !== undefined) error.retryAfterInMs = retryAfterInMs;
  return error;
}

/** A client whose every item and query call fails with `failure()`, as the SDK does once its own retries are spent. */
function failingClient(failure: () => Error): CosmosClient {
  const fail = () => Promise.reject(failure());
  const container = {
    items: { query: () => ({ fetchAll: fail }), create: fail, upsert: fail },
    item: () => ({ read: fail, replace: fail, delete: fail }),
  };
  const database = { container: () => container, read: fail };
  return { database: () => database, dispose: () => {} } as unknown as CosmosClient;
}

const settings = {
  COSMOS_ENDPOINT: 'https://example.documents.azure.com:443/',
  COSMOS_KEY: 'not-a-real-key',
  COSMOS_DATABASE: 'dronescheduler',
  COSMOS_MAX_RETRY_ATTEMPTS: 9,
  COSMOS_MAX_RETRY_WAIT_SECONDS: 30,
  COSMOS_CONNECT_ATTEMPTS: 1,
};

const storeFailingWith = (failure: () => Error) =>
  new CosmosSchedulerStore(settings, capturingLogger('dronescheduler').log, { client: failingClient(failure) });

describe('Cosmos DB adapter', () => {
  it('turns throttling that outlasted the SDK retries into 503 with the server retry-after', async () => {
    const store = storeFailingWith(() => cosmosError(429, 2500));
    await expect(store.usage('owner-a', '2030-03')).rejects.toMatchObject({ kind: 'unavailable', retryAfterSeconds: 3 });
    await expect(store.replaceReservations({ drone: { id: 'x' }, reservations: [], version: '"1"' } as never, [])).rejects.toMatchObject({
      kind: 'unavailable',
      retryAfterSeconds: 3,
    });
  });

  it('maps an unreachable account to 503', async () => {
    const store = storeFailingWith(() =>
      Object.assign(new Error('getaddrinfo ENOTFOUND example.documents.azure.com'), { code: 'ENOTFOUND' }),
    );
    await expect(store.drone('north-slow')).rejects.toMatchObject({ kind: 'unavailable' });
    await expect(store.ping(AbortSignal.timeout(1_000))).rejects.toMatchObject({ kind: 'unavailable' });
  });
});
