// W3C trace context across the queue: the publisher's context travels in the message, and
// the consumer continues the same trace, so one trace spans ingestion → workflow → backends.

import type { QueueMessage } from '@dronedelivery/contracts';
import { context, propagation, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

const tracer = trace.getTracer('@dronedelivery/queue');

/**
 * Publishes in a PRODUCER span: the message carries that span's context, so the consumer's
 * span is its child (a parent rather than a link: one message is consumed as one unit of
 * work, in the trace of the request that published it; links are for batches).
 */
export function publishing(queueName: string, message: QueueMessage, send: (message: QueueMessage) => Promise<void>): Promise<void> {
  return tracer.startActiveSpan(
    `${queueName} publish`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': 'redis',
        'messaging.destination.name': queueName,
        'messaging.message.id': message.messageId,
        'messaging.operation.type': 'send',
      },
    },
    async (span) => {
      try {
        await send(withTraceContext(message));
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/** The message with the active trace context added (when there is one). */
function withTraceContext(message: QueueMessage): QueueMessage {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return {
    ...message,
    ...(carrier.traceparent ? { traceparent: carrier.traceparent } : {}),
    ...(carrier.tracestate ? { tracestate: carrier.tracestate } : {}),
  };
}

/** Runs `work` in a consumer span that continues the trace the message carries. */
export function inMessageContext<T>(queueName: string, message: QueueMessage, work: (span: Span) => Promise<T>): Promise<T> {
  const carrier = {
    ...(message.traceparent ? { traceparent: message.traceparent } : {}),
    ...(message.tracestate ? { tracestate: message.tracestate } : {}),
  };
  const parent = propagation.extract(context.active(), carrier);
  return tracer.startActiveSpan(
    `${queueName} process`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'redis',
        'messaging.destination.name': queueName,
        'messaging.message.id': message.messageId,
        'messaging.operation.type': 'process',
      },
    },
    parent,
    async (span) => {
      try {
        return await work(span);
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}
