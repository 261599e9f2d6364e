// Queue messages for the queue's tests.
import type { QueueMessage } from '../src/index.ts';

export function cancelMessage(deliveryId: string, messageId = `${deliveryId}:cancel`): QueueMessage {
  return { messageId, type: 'cancel', deliveryId, body: { deliveryId }, enqueuedAt: new Date().toISOString() };
}

/** Polls `condition` until it holds (or fails the test after `timeoutMs`). */
export async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
