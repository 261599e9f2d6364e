import { MemorySchedulerStore } from '../src/store/memory.ts';
import { describeSchedulerStoreContract } from './store.contract.ts';

describeSchedulerStoreContract('in-memory', async () => ({ store: new MemorySchedulerStore(), cleanup: async () => {} }));
