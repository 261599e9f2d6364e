// The workflow's operator routes: its dead letters, and putting them back on the queue.
import { z } from 'zod';
import { QueueCounts } from '../operations.ts';
import { route } from './route.ts';

export const AttemptRecord = z.object({ attempt: z.number().int(), at: z.string(), error: z.string() });

/** A message the workflow gave up on, with why and every attempt. The message is shown as it was queued, valid or not. */
export const DeadLetter = z.object({ message: z.unknown(), reason: z.string(), attempts: z.array(AttemptRecord), deadAt: z.string() });

export const DeadLetterQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) });
export const DeadLetterList = z.object({ count: z.number().int(), deadLetters: z.array(DeadLetter) });

export const Redrive = z.strictObject({ messageId: z.string().min(1).max(256).optional() }).default({});
export const RedriveResult = z.object({ redriven: z.number().int() });

export const workflowRoutes = {
  queue: route('GET', '/admin/queue', {
    summary: 'Messages on the queue by state: waiting, active, delayed, dead-lettered (operator).',
    tags: ['operations'],
    response: { 200: QueueCounts },
  }),
  deadLetters: route('GET', '/admin/deadletters', {
    summary: 'Dead-lettered messages with their reason and every attempt (operator).',
    tags: ['operations'],
    querystring: DeadLetterQuery,
    response: { 200: DeadLetterList },
  }),
  redrive: route('POST', '/admin/deadletters/redrive', {
    summary: 'Put one dead letter (by messageId) or all of them back on the queue with fresh attempts (operator).',
    tags: ['operations'],
    body: Redrive,
    response: { 200: RedriveResult },
  }),
};

export type DeadLetterList = z.infer<typeof DeadLetterList>;
