// The Cosmos DB adapter's own logic — partition keys, the invoicing query, If-Match on
// drone bookings, error mapping, RU reporting — checked without a server against a
// recording stand-in for the SDK's client. The adapter's behaviour against a real account
// (or the emulator) is covered by the contract suite in store.cosmos.test.ts.
import { type CosmosClient, ErrorResponse } from '@azure/cosmos';
import { capturingLogger } from '@dronedelivery/service-kit/testing';
import { describe, expect, it } from 'vitest';
import { CosmosSchedulerStore, usageQuery } from '../src/store/cosmos.ts';
import { fleet } from './fixtures.ts';

interface Call {
  container: string;
  operation: string;
  args: unknown[];
}

function cosmosError(code: number, retryAfterInMs?: number): ErrorResponse {
  const error = new ErrorResponse(`status ${code}`);
  error.code = code;
  if (retryAfterInMs !== undefined) error.retryAfterInMs = retryAfterInMs;
  return error;
}

/** Records every call; `answer` decides each response (or throws an ErrorResponse). */
function recordingClient(answer: (call: Call) => unknown) {
  const calls: Call[] = [];
  const respond = (call: Call) => {
    calls.push(call);
    return Promise.resolve().then(() => answer(call));
  };
  const container = (name: string) => ({
    items: {
      query: (...args: unknown[]) => ({ fetchAll: () => respond({ container: name, operation: 'query', args }) }),
      create: (...args: unknown[]) => respond({ container: name, operation: 'create', args }),
      upsert: (...args: unknown[]) => respond({ container: name, operation: 'upsert', args }),
    },
    item: (id: string, partitionKey: string) => ({
      read: () => respond({ container: name, operation: 'read', args: [id, partitionKey] }),
      replace: (...args: unknown[]) => respond({ container: name, operation: 'replace', args: [id, partitionKey, ...args] }),
      delete: () => respond({ container: name, operation: 'delete', args: [id, partitionKey] }),
    }),
  });
  const database = {
    container,
    read: () => respond({ container: '', operation: 'read database', args: [] }),
    containers: { createIfNotExists: () => Promise.resolve({}) },
  };
  const client = { database: () => database, databases: { createIfNotExists: () => Promise.resolve({}) }, dispose: () => {} };
  return { client: client as unknown as CosmosClient, calls };
}

const settings = {
  COSMOS_ENDPOINT: 'https://example.documents.azure.com:443/',
  COSMOS_KEY: 'not-a-real-key',
  COSMOS_DATABASE: 'dronescheduler',
  COSMOS_MAX_RETRY_ATTEMPTS: 9,
  COSMOS_MAX_RETRY_WAIT_SECONDS: 30,
  COSMOS_CONNECT_ATTEMPTS: 1,
};

function storeWith(answer: (call: Call) => unknown) {
  const { client, calls } = recordingClient(answer);
  const store = new CosmosSchedulerStore(settings, capturingLogger('dronescheduler').log, client);
  const charges: [string, number][] = [];
  store.onRequestCharge((operation, units) => charges.push([operation, units]));
  return { store, calls, charges };
}

const record = {
  deliveryId: 'd-1',
  ownerId: 'owner-a',
  requestKey: 'k',
  usage: { month: '2030-03', miles: 1, hours: 0.1 },
  assignment: { droneId: 'x', pickupEta: '2030-03-10T10:00:00.000Z', deliveryEta: '2030-03-10T10:10:00.000Z', distanceMiles: 1, route: [] },
};

const droneState = { drone: fleet[0] as (typeof fleet)[number], reservations: [], version: '"etag-7"' };

describe('Cosmos DB adapter', () => {
  it("answers the invoicing query inside the owner's partition, with parameters", async () => {
    const { store, calls } = storeWith(() => ({ resources: [{ miles: 12.5, hours: 0.75, deliveries: 2 }], requestCharge: 2.9 }));
    expect(await store.usage('owner-a', '2030-03')).toEqual({ miles: 12.5, hours: 0.75, deliveries: 2 });
    const [call] = calls;
    expect(call).toMatchObject({ container: 'utilization', operation: 'query' });
    expect(call?.args).toEqual([usageQuery('owner-a', '2030-03').query, { partitionKey: 'owner-a' }]);
    expect(JSON.stringify(call?.args[0])).not.toContain("owner-a'"); // values are parameters, never spliced into SQL
  });

  it('reads an empty month (an aggregate over nothing) as zeros', async () => {
    const { store } = storeWith(() => ({ resources: [{ deliveries: 0 }] }));
    expect(await store.usage('owner-a', '2030-03')).toEqual({ miles: 0, hours: 0, deliveries: 0 });
  });

  it('books a drone with If-Match on the ETag it was read at, and reports the RU charge', async () => {
    const { store, calls, charges } = storeWith(() => ({ requestCharge: 10.3 }));
    const reservation = { deliveryId: 'd-1', from: '2030-03-10T09:52:00.000Z', to: '2030-03-10T10:30:00.000Z' };
    expect(await store.replaceReservations(droneState, [reservation])).toBe(true);
    expect(calls[0]).toEqual({
      container: 'drones',
      operation: 'replace',
      args: [
        'north-slow',
        'north-slow',
        { ...droneState.drone, reservations: [reservation] },
        { accessCondition: { type: 'IfMatch', condition: '"etag-7"' } },
      ],
    });
    expect(charges).toEqual([['reserve drone', 10.3]]);
  });

  it('reports a lost race (412 Precondition Failed) as a refused booking, not an error', async () => {
    const { store } = storeWith(() => {
      throw cosmosError(412);
    });
    expect(await store.replaceReservations(droneState, [])).toBe(false);
  });

  it('turns throttling that outlasted the SDK retries into 503 with the server retry-after', async () => {
    const { store } = storeWith(() => {
      throw cosmosError(429, 2500);
    });
    await expect(store.usage('owner-a', '2030-03')).rejects.toMatchObject({ kind: 'unavailable', retryAfterSeconds: 3 });
  });

  it('reads a missing assignment as undefined and deletes idempotently', async () => {
    const { store, calls } = storeWith((call) => {
      if (call.operation === 'read') return { resource: undefined, statusCode: 404 };
      throw cosmosError(404);
    });
    expect(await store.getAssignment('d-1')).toBeUndefined();
    expect(calls[0]).toMatchObject({ container: 'assignments', args: ['d-1', 'd-1'] });
    await expect(store.deleteAssignment(record)).resolves.toBeUndefined();
    // Utilization is deleted in the owner's partition, the assignment in its own.
    expect(calls.slice(1).map((call) => [call.container, call.args])).toEqual([
      ['utilization', ['d-1', 'owner-a']],
      ['assignments', ['d-1', 'd-1']],
    ]);
  });

  it('writes usage into the owner partition before the assignment that makes it final', async () => {
    const { store, calls } = storeWith(() => ({ requestCharge: 1 }));
    await store.putAssignment(record);
    expect(calls.map((call) => [call.container, call.operation])).toEqual([
      ['utilization', 'upsert'],
      ['assignments', 'upsert'],
    ]);
    expect(calls[0]?.args[0]).toEqual({ id: 'd-1', ownerId: 'owner-a', month: '2030-03', miles: 1, hours: 0.1 });
  });

  it('maps an unreachable account to 503', async () => {
    const { store } = storeWith(() => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND example.documents.azure.com'), { code: 'ENOTFOUND' });
    });
    await expect(store.drone('north-slow')).rejects.toMatchObject({ kind: 'unavailable' });
  });
});
