import { MemoryQueue } from '../src/index.ts';
import { contractSettings, describeQueueContract } from './queue.contract.ts';

describeQueueContract('in-memory', async () => {
  const queue = new MemoryQueue(contractSettings);
  return { queue, cleanup: () => queue.close() };
});
