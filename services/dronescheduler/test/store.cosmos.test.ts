// The store contract suite against the Cosmos DB adapter on a real Cosmos DB server: the
// account, emulator or server COSMOS_ENDPOINT names (CI starts @vercel/cosmosdb-server, see
// .ci/run), or otherwise @vercel/cosmosdb-server started in this process. Never skipped.
import { capturingLogger } from '@dronedelivery/service-kit/testing';
import { afterAll, beforeAll, describe } from 'vitest';
import { CosmosSchedulerStore } from '../src/store/cosmos.ts';
import { type CosmosTarget, cosmosTarget } from './cosmos-server.ts';
import { describeSchedulerStoreContract } from './store.contract.ts';

let target: CosmosTarget;
beforeAll(async () => {
  target = await cosmosTarget();
});
afterAll(() => target?.close());

describe('Cosmos DB adapter', () => {
  describeSchedulerStoreContract('Cosmos DB', async () => {
    const settings = target.settings();
    const store = new CosmosSchedulerStore(settings, capturingLogger('dronescheduler').log, { agent: target.agent });
    return {
      store,
      cleanup: async () => {
        await target.dropDatabase(settings.COSMOS_DATABASE);
        await store.close();
      },
    };
  });
});
