// A consumer process killed with SIGKILL in the middle of a job: the job's lock expires, it
// is found stalled, and another consumer processes it. Nothing is lost.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bullmqSettings, openBullmq, redisUrl } from './bullmq-fixture.ts';
import { cancelMessage, eventually } from './messages.ts';

const stuckConsumer = fileURLToPath(new URL('./fixtures/stuck-consumer.ts', import.meta.url));

describe.runIf(redisUrl)('BullMQ: a consumer dies mid-job', () => {
  it('has the job processed by another consumer after the stalled-job check', async () => {
    const settings = bullmqSettings(redisUrl as string);
    const { queue, cleanup } = await openBullmq(redisUrl as string, settings);
    try {
      const child = spawn(process.execPath, [stuckConsumer], {
        env: { ...process.env, QUEUE_SETTINGS: JSON.stringify(settings) },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await queue.publish(cancelMessage('d-crash'));
      const [took] = (await once(child.stdout, 'data')) as [Buffer];
      expect(took.toString()).toContain('took d-crash:cancel');
      child.kill('SIGKILL');
      await once(child, 'exit');

      const processed: { messageId: string; attempt: number }[] = [];
      queue.consume(async (message, { attempt }) => void processed.push({ messageId: message.messageId, attempt }), { concurrency: 1 });
      await eventually(() => processed.length === 1, 15_000);
      expect(processed[0]?.messageId).toBe('d-crash:cancel');
      expect((await queue.counts()).deadLettered).toBe(0);
    } finally {
      await cleanup();
    }
  }, 30_000);
});
