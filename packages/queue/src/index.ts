// The delivery-request queue: a port, an in-memory adapter and a BullMQ-on-Redis adapter.
export { BullmqQueue, type BullmqSettings, bullmqPrefix } from './bullmq.ts';
export { type QueueConfig, queueConfigSchema, selectQueue } from './config.ts';
export { MemoryQueue } from './memory.ts';
export {
  type AttemptRecord,
  type Consumer,
  type DeadLetter,
  type DeliveryQueue,
  type HandlerContext,
  type MessageHandler,
  PermanentFailure,
  type QueueCounts,
  type QueueMessage,
  type QueueSettings,
  RetryLater,
} from './queue.ts';
