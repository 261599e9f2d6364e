// The workflow's operator endpoints: list dead letters and re-drive them, behind a bearer
// token (disabled when none is configured).
import { timingSafeEqual } from 'node:crypto';
import type { DeliveryQueue } from '@dronedelivery/queue';
import { HttpProblem, problemType, type ServiceInstance } from '@dronedelivery/service-kit';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';

function authorize(request: FastifyRequest, token: string | undefined): void {
  if (!token)
    throw new HttpProblem(403, 'Operator endpoints are disabled: set WORKFLOW_ADMIN_TOKEN to enable them.', {
      type: problemType('operator-endpoints-disabled'),
    });
  const presented = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '';
  const [a, b] = [Buffer.from(presented), Buffer.from(token)];
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw new HttpProblem(401, 'A valid operator bearer token is required.', {
      headers: { 'www-authenticate': 'Bearer realm="workflow-operations"' },
    });
  }
}

export function registerOperatorRoutes(app: ServiceInstance, queue: DeliveryQueue, token: string | undefined): void {
  app.get(
    '/admin/deadletters',
    {
      schema: {
        summary: 'Dead-lettered messages with their reason and every attempt (operator).',
        tags: ['operations'],
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }),
      },
    },
    async (request) => {
      authorize(request, token);
      const deadLetters = await queue.deadLetters(request.query.limit);
      return { count: (await queue.counts()).deadLettered, deadLetters };
    },
  );

  app.post(
    '/admin/deadletters/redrive',
    {
      schema: {
        summary: 'Put one dead letter (by messageId) or all of them back on the queue with fresh attempts (operator).',
        tags: ['operations'],
        body: z.strictObject({ messageId: z.string().min(1).max(256).optional() }).default({}),
      },
    },
    async (request) => {
      authorize(request, token);
      return { redriven: await queue.redrive(request.body.messageId) };
    },
  );
}
