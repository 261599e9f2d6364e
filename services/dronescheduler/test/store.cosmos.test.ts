import { randomUUID } from 'node:crypto';
import { CosmosClient } from '@azure/cosmos';
import { capturingLogger } from '@dronedelivery/service-kit/testing';
import { describe } from 'vitest';
import { CosmosSchedulerStore } from '../src/store/cosmos.ts';
import { describeSchedulerStoreContract } from './store.contract.ts';

// Runs against a real Cosmos DB account or the emulator whenever COSMOS_ENDPOINT is set
// (docker compose starts the emulator). No emulator runs on this project's CI machines.
const endpoint = process.env.COSMOS_ENDPOINT;
const key = process.env.COSMOS_KEY;

describe.runIf(endpoint)('Cosmos DB adapter', () => {
  describeSchedulerStoreContract(`Cosmos DB at ${endpoint}`, async () => {
    const settings = {
      COSMOS_ENDPOINT: endpoint as string,
      COSMOS_KEY: key,
      COSMOS_DATABASE: `test-${randomUUID().slice(0, 8)}`,
      COSMOS_MAX_RETRY_ATTEMPTS: 9,
      COSMOS_MAX_RETRY_WAIT_SECONDS: 30,
      COSMOS_CONNECT_ATTEMPTS: 3,
    };
    const store = new CosmosSchedulerStore(settings, capturingLogger('dronescheduler').log);
    return {
      store,
      cleanup: async () => {
        const client = new CosmosClient({ endpoint: endpoint as string, ...(key ? { key } : {}) });
        await client
          .database(settings.COSMOS_DATABASE)
          .delete()
          .catch(() => undefined);
        client.dispose();
        await store.close();
      },
    };
  });
});
