import { describe } from 'vitest';
import { mongoUrl, openMongoStore } from './mongo-fixture.ts';
import { describePackageStoreContract } from './store.contract.ts';

// Runs against a real MongoDB-protocol server whenever MONGODB_URL is set (CI starts FerretDB).
describe.runIf(mongoUrl)('MongoDB adapter', () => {
  describePackageStoreContract(`MongoDB at ${mongoUrl}`, () => openMongoStore(mongoUrl as string));
});
