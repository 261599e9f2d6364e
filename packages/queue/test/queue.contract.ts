// The DeliveryQueue contract: one suite, run against every adapter (in-memory always,
// BullMQ when REDIS_URL is set). An adapter that passes it can carry delivery requests.
import { setTimeout as sleep } from 'node:timers/promises';
import { context, propagation, SpanKind, TraceFlags, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type DeliveryQueue, type HandlerContext, PermanentFailure, type QueueMessage, RetryLater } from '../src/index.ts';
import { cancelMessage, eventually } from './messages.ts';

export interface QueueFixture {
  queue: DeliveryQueue;
  cleanup(): Promise<void>;
}

/** Settings every adapter is opened with: three attempts, 50 ms first backoff. */
export const contractSettings = { maxAttempts: 3, backoffMs: 50 };

// Spans are recorded, as the telemetry preload records them in a service: one recorder for
// every adapter's contract in a file (a tracer, once obtained, keeps its provider).
const spans = new InMemorySpanExporter();
let recording = false;
function recordSpans(): void {
  if (recording) return;
  recording = true;
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] }));
}

export function describeQueueContract(adapter: string, open: () => Promise<QueueFixture>): void {
  describe(`DeliveryQueue contract: ${adapter}`, () => {
    let fixture: QueueFixture | undefined;
    const start = async () => {
      fixture = await open();
      return fixture.queue;
    };

    beforeAll(recordSpans);

    afterEach(async () => {
      await fixture?.cleanup();
      fixture = undefined;
    });

    it('delivers a published message to a consumer', async () => {
      const queue = await start();
      const received: QueueMessage[] = [];
      queue.consume(async (message) => void received.push(message), { concurrency: 2 });
      await queue.publish(cancelMessage('d-1'));
      await eventually(() => received.length === 1);
      expect(received[0]).toMatchObject({ messageId: 'd-1:cancel', type: 'cancel', deliveryId: 'd-1', body: { deliveryId: 'd-1' } });
    });

    it('drops a duplicate publish of the same message id', async () => {
      const queue = await start();
      const received: string[] = [];
      await queue.publish(cancelMessage('d-1'));
      await queue.publish(cancelMessage('d-1'));
      await queue.publish(cancelMessage('d-2'));
      queue.consume(async (message) => void received.push(message.messageId), { concurrency: 1 });
      await eventually(() => received.length === 2);
      await sleep(200);
      expect(received.sort()).toEqual(['d-1:cancel', 'd-2:cancel']);
    });

    it('retries a failing message with growing delays, then dead-letters it with the reason and each attempt', async () => {
      const queue = await start();
      const attempts: { attempt: number; at: number }[] = [];
      queue.consume(
        async (_message, { attempt }) => {
          attempts.push({ attempt, at: Date.now() });
          throw new Error(`package service answered 503 (attempt ${attempt})`);
        },
        { concurrency: 1 },
      );
      await queue.publish(cancelMessage('d-1'));
      await eventually(async () => (await queue.counts()).deadLettered === 1);
      expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
      // Backoff: at least half of 50 ms, then of 100 ms (jitter takes up to half away).
      expect((attempts[1]?.at ?? 0) - (attempts[0]?.at ?? 0)).toBeGreaterThanOrEqual(20);
      expect((attempts[2]?.at ?? 0) - (attempts[1]?.at ?? 0)).toBeGreaterThanOrEqual(45);
      const [letter] = await queue.deadLetters(10);
      expect(letter?.message.messageId).toBe('d-1:cancel');
      expect(letter?.reason).toBe('package service answered 503 (attempt 3)');
      expect(letter?.attempts.map((a) => [a.attempt, a.error])).toEqual([
        [1, 'package service answered 503 (attempt 1)'],
        [2, 'package service answered 503 (attempt 2)'],
        [3, 'package service answered 503 (attempt 3)'],
      ]);
    });

    it('completes a message that succeeds on a retry, leaving no dead letter', async () => {
      const queue = await start();
      const seen: HandlerContext[] = [];
      let done = false;
      queue.consume(
        async (_message, handlerContext) => {
          seen.push(handlerContext);
          if (handlerContext.attempt < 2) throw new Error('timeout');
          done = true;
        },
        { concurrency: 1 },
      );
      await queue.publish(cancelMessage('d-1'));
      await eventually(() => done);
      expect(seen).toEqual([
        { attempt: 1, maxAttempts: 3 },
        { attempt: 2, maxAttempts: 3 },
      ]);
      await eventually(async () => (await queue.counts()).active === 0);
      expect(await queue.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, deadLettered: 0 });
    });

    it('dead-letters a permanent failure at once, without retries', async () => {
      const queue = await start();
      let calls = 0;
      queue.consume(
        async () => {
          calls += 1;
          throw new PermanentFailure('body.packageInfo: Required');
        },
        { concurrency: 1 },
      );
      await queue.publish(cancelMessage('d-1'));
      await eventually(async () => (await queue.counts()).deadLettered === 1);
      expect(calls).toBe(1);
      expect((await queue.deadLetters(1))[0]).toMatchObject({ reason: 'body.packageInfo: Required', attempts: [{ attempt: 1 }] });
    });

    it('delays a message on request without using up an attempt', async () => {
      const queue = await start();
      const attempts: number[] = [];
      queue.consume(
        async (_message, { attempt }) => {
          attempts.push(attempt);
          if (attempts.length <= 2) throw new RetryLater('circuit open', 50);
        },
        { concurrency: 1 },
      );
      await queue.publish(cancelMessage('d-1'));
      await eventually(() => attempts.length === 3);
      expect(attempts).toEqual([1, 1, 1]);
    });

    it('wakes the delayed message due soonest on request, one at a time, and says when none is delayed', async () => {
      const queue = await start();
      expect(await queue.wakeNext()).toBe(false);
      const taken: string[] = [];
      queue.consume(
        async (message) => {
          taken.push(message.messageId);
          // Each message parks once for a minute (much longer than this test).
          if (taken.filter((id) => id === message.messageId).length === 1)
            throw new RetryLater('no capacity', 60_000 + taken.length * 1_000);
        },
        { concurrency: 1 },
      );
      for (const id of ['d-1', 'd-2', 'd-3']) await queue.publish(cancelMessage(id));
      await eventually(async () => taken.length === 3 && (await queue.counts()).delayed === 3);
      expect(await queue.wakeNext()).toBe(true);
      await eventually(() => taken.length === 4);
      // The one parked first (due soonest) came back, and only it.
      expect(taken[3]).toBe('d-1:cancel');
      await sleep(200);
      expect(taken).toHaveLength(4);
      expect((await queue.counts()).delayed).toBe(2);
      expect(await queue.wakeNext()).toBe(true);
      await eventually(() => taken.length === 5);
      expect(taken[4]).toBe('d-2:cancel');
    });

    it('reports waiting, active and delayed counts', async () => {
      const queue = await start();
      let release: () => void = () => {};
      const blocked = new Promise<void>((resolve) => {
        release = resolve;
      });
      queue.consume(() => blocked, { concurrency: 1 });
      for (const id of ['d-1', 'd-2', 'd-3']) await queue.publish(cancelMessage(id));
      await eventually(async () => {
        const counts = await queue.counts();
        return counts.active === 1 && counts.waiting === 2;
      });
      release();
      await eventually(async () => (await queue.counts()).waiting + (await queue.counts()).active === 0);
    });

    it('re-drives a dead letter with fresh attempts, once the cause is fixed', async () => {
      const queue = await start();
      let healthy = false;
      const completed: QueueMessage[] = [];
      queue.consume(
        async (message) => {
          if (!healthy) throw new Error('dronescheduler unreachable');
          completed.push(message);
        },
        { concurrency: 1 },
      );
      await queue.publish(cancelMessage('d-1'));
      await eventually(async () => (await queue.counts()).deadLettered === 1);
      healthy = true;
      const before = Date.now();
      expect(await queue.redrive('d-1:cancel')).toBe(1);
      await eventually(() => completed.length === 1);
      // The redrive is dated, so that the handler's time limits start again from it.
      expect(Date.parse(completed[0]?.redrivenAt ?? '')).toBeGreaterThanOrEqual(before - 1_000);
      expect((await queue.counts()).deadLettered).toBe(0);
      expect(await queue.redrive()).toBe(0);
    });

    it('carries W3C trace context from publisher to consumer: a PRODUCER span on publish, the CONSUMER span its child', async () => {
      spans.reset();
      const queue = await start();
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      let consumedTrace: string | undefined;
      let carried: string | undefined;
      queue.consume(
        async (message) => {
          carried = message.traceparent;
          consumedTrace = trace.getSpanContext(context.active())?.traceId;
        },
        { concurrency: 1 },
      );
      const publisher = trace.setSpanContext(context.active(), { traceId, spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED });
      await context.with(publisher, () => queue.publish(cancelMessage('d-1')));
      await eventually(() => spans.getFinishedSpans().some((span) => span.kind === SpanKind.CONSUMER));
      const producer = spans.getFinishedSpans().find((span) => span.kind === SpanKind.PRODUCER);
      const consumer = spans.getFinishedSpans().find((span) => span.kind === SpanKind.CONSUMER);
      expect(producer?.spanContext().traceId).toBe(traceId);
      expect(producer?.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
      expect(carried).toBe(`00-${traceId}-${producer?.spanContext().spanId}-01`);
      expect(consumer?.spanContext().traceId).toBe(traceId);
      expect(consumer?.parentSpanContext?.spanId).toBe(producer?.spanContext().spanId);
      expect(consumedTrace).toBe(traceId);
    });

    it('lets in-flight messages finish when a consumer closes', async () => {
      const queue = await start();
      let finished = false;
      const consumer = queue.consume(
        async () => {
          await sleep(300);
          finished = true;
        },
        { concurrency: 1 },
      );
      await queue.publish(cancelMessage('d-1'));
      await eventually(async () => (await queue.counts()).active === 1);
      await consumer.close();
      expect(finished).toBe(true);
    });
  });
}
