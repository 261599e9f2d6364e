// Picks the store from configuration: MongoDB when MONGODB_URL is set, memory otherwise.
import type { Logger } from '@dronedelivery/service-kit';
import type { Config } from '../config.ts';
import { MemoryPackageStore } from './memory.ts';
import { MongoPackageStore } from './mongo.ts';
import type { PackageStore } from './store.ts';

export function selectStore(config: Config, log: Logger): PackageStore {
  if (config.MONGODB_URL) {
    log.info({ store: 'mongodb', database: config.MONGODB_DATABASE }, 'package store: MongoDB');
    return new MongoPackageStore({ ...config, MONGODB_URL: config.MONGODB_URL }, log);
  }
  log.warn({ store: 'memory' }, 'package store: in memory (MONGODB_URL is not set); data is lost when the process exits');
  return new MemoryPackageStore();
}
