// Opens a MongoPackageStore on its own throwaway database of the server at MONGODB_URL.
import { randomUUID } from 'node:crypto';
import { capturingLogger } from '@dronedelivery/service-kit/testing';
import { MongoClient } from 'mongodb';
import { MongoPackageStore } from '../src/store/mongo.ts';

export const mongoUrl = process.env.MONGODB_URL;

export function mongoSettings(url: string, database = `test_${randomUUID().replaceAll('-', '').slice(0, 16)}`) {
  return {
    MONGODB_URL: url,
    MONGODB_DATABASE: database,
    MONGODB_MAX_POOL_SIZE: 10,
    MONGODB_MIN_POOL_SIZE: 0,
    MONGODB_SERVER_SELECTION_TIMEOUT_MS: 3_000,
    MONGODB_CONNECT_ATTEMPTS: 3,
    MONGODB_CONNECT_BACKOFF_MS: 100,
  };
}

export async function openMongoStore(url: string): Promise<{ store: MongoPackageStore; cleanup: () => Promise<void> }> {
  const settings = mongoSettings(url);
  const store = new MongoPackageStore(settings, capturingLogger('package-test').log);
  return {
    store,
    cleanup: async () => {
      await store.close();
      const client = new MongoClient(url);
      await client.db(settings.MONGODB_DATABASE).dropDatabase();
      await client.close();
    },
  };
}
