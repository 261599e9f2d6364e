// The delivery-request queue: a port, an in-memory adapter and a BullMQ-on-Redis adapter.
// The BullMQ adapter is `@dronedelivery/queue/bullmq`, not exported here: importing this
// module must not load BullMQ and ioredis, which a queue in memory never uses.
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
