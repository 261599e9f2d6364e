import { MemoryDeliveryStore } from '../src/store/memory.ts';
import { describeDeliveryStoreContract } from './store.contract.ts';

describeDeliveryStoreContract('in-memory', async () => ({ store: new MemoryDeliveryStore(), cleanup: async () => {} }));
