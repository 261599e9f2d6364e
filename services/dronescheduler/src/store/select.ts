// Picks the store from configuration: Cosmos DB when COSMOS_ENDPOINT is set, memory otherwise.
import type { Logger } from '@dronedelivery/service-kit';
import type { Config } from '../config.ts';
import { CosmosSchedulerStore } from './cosmos.ts';
import { MemorySchedulerStore } from './memory.ts';
import type { SchedulerStore } from './store.ts';

export function selectStore(config: Config, log: Logger): SchedulerStore {
  if (config.COSMOS_ENDPOINT) {
    log.info({ store: 'cosmos', endpoint: config.COSMOS_ENDPOINT, auth: config.COSMOS_KEY ? 'key' : 'entra-id' }, 'drone store: Cosmos DB');
    return new CosmosSchedulerStore({ ...config, COSMOS_ENDPOINT: config.COSMOS_ENDPOINT }, log);
  }
  log.warn({ store: 'memory' }, 'drone store: in memory (COSMOS_ENDPOINT is not set); data is lost when the process exits');
  return new MemorySchedulerStore();
}
