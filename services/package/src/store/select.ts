// Picks the store from configuration: MongoDB when MONGODB_URL is set, memory otherwise. The
// MongoDB adapter, and the mongodb driver with it, is loaded only when selected, so a service
// in memory never carries the driver.
import type { Logger } from '@dronedelivery/service-kit';
import type { Config } from '../config.ts';
import { MemoryPackageStore } from './memory.ts';
import type { PackageStore } from './store.ts';

export async function selectStore(config: Config, log: Logger): Promise<PackageStore> {
  if (config.MONGODB_URL) {
    log.info({ store: 'mongodb', database: config.MONGODB_DATABASE }, 'package store: MongoDB');
    const { MongoPackageStore } = await import('./mongo.ts');
    return new MongoPackageStore({ ...config, MONGODB_URL: config.MONGODB_URL }, log);
  }
  log.warn({ store: 'memory' }, 'package store: in memory (MONGODB_URL is not set); data is lost when the process exits');
  return new MemoryPackageStore();
}
