// Picks the store from configuration: Cosmos DB when COSMOS_ENDPOINT is set, memory otherwise.
// The Cosmos DB adapter, and the Azure SDK with it, is loaded only when selected, so a
// service in memory never carries the SDK.
import type { Logger } from '@dronedelivery/service-kit';
import type { Config } from '../config.ts';
import { MemorySchedulerStore } from './memory.ts';
import type { SchedulerStore } from './store.ts';

export async function selectStore(config: Config, log: Logger): Promise<SchedulerStore> {
  if (config.COSMOS_ENDPOINT) {
    log.info({ store: 'cosmos', endpoint: config.COSMOS_ENDPOINT, auth: config.COSMOS_KEY ? 'key' : 'entra-id' }, 'drone store: Cosmos DB');
    const { CosmosSchedulerStore } = await import('./cosmos.ts');
    return new CosmosSchedulerStore({ ...config, COSMOS_ENDPOINT: config.COSMOS_ENDPOINT }, log);
  }
  log.warn({ store: 'memory' }, 'drone store: in memory (COSMOS_ENDPOINT is not set); data is lost when the process exits');
  return new MemorySchedulerStore();
}
