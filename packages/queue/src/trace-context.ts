// W3C trace context across the queue: the publisher's context travels in the message, and
// the consumer continues the same trace, so one trace spans ingestion → workflow → backends.

import type { QueueMessage } from '@dronedelivery/contracts';
import { type Context, context, propagation, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

const tracer = trace.getTracer('@dronedelivery/queue');

/** Runs `work` in a messaging span of `kind` under `parent`; a failure is recorded on the span and rethrown. */
function inSpan<T>(
  kind: SpanKind.PRODUCER | SpanKind.CONSUMER,
  queueName: string,
  message: QueueMessage,
  parent: Context,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const operation = kind === SpanKind.PRODUCER ? 'send' : 'process';
  const attributes = {
    'messaging.system': 'redis',
    'messaging.destination.name': queueName,
    'messaging.message.id': message.messageId,
    'messaging.operation.type': operation,
  };
  return tracer.startActiveSpan(
    `${queueName} ${kind === SpanKind.PRODUCER ? 'publish' : 'process'}`,
    { kind, attributes },
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

/**
 * Publishes in a PRODUCER span: the message carries that span's context, so the consumer's
 * span is its child (a parent rather than a link: one message is consumed as one unit of
 * work, in the trace of the request that published it; links are for batches).
 */
export function publishing(queueName: string, message: QueueMessage, send: (message: QueueMessage) => Promise<void>): Promise<void> {
  return inSpan(SpanKind.PRODUCER, queueName, message, context.active(), () => send(withTraceContext(message)));
}

/** The message with the active trace context added (when there is one). */
function withTraceContext(message: QueueMessage): QueueMessage {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return { ...message, ...traceFields(carrier) };
}

const traceFields = (from: { traceparent?: string | undefined; tracestate?: string | undefined }) => ({
  ...(from.traceparent ? { traceparent: from.traceparent } : {}),
  ...(from.tracestate ? { tracestate: from.tracestate } : {}),
});

/** Runs `work` in a CONSUMER span that continues the trace the message carries. */
export function inMessageContext<T>(queueName: string, message: QueueMessage, work: (span: Span) => Promise<T>): Promise<T> {
  const parent = propagation.extract(context.active(), traceFields(message));
  return inSpan(SpanKind.CONSUMER, queueName, message, parent, work);
}
