import { MemoryPackageStore } from '../src/store/memory.ts';
import { describePackageStoreContract } from './store.contract.ts';

describePackageStoreContract('in-memory', async () => ({ store: new MemoryPackageStore(), cleanup: async () => {} }));
