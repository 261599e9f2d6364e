// The workflow's operator endpoints: the queue's counts, the dead letters and their re-drive,
// behind a bearer token (disabled when none is configured).
import { timingSafeEqual } from 'node:crypto';
import { Problem, workflowRoutes as routes } from '@dronedelivery/contracts';
import type { DeliveryQueue } from '@dronedelivery/queue';
import { HttpProblem, problemType, type ServiceInstance, serve } from '@dronedelivery/service-kit';
import type { FastifyRequest } from 'fastify';

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

const problems = { 400: Problem, 401: Problem, 403: Problem };

export function registerOperatorRoutes(app: ServiceInstance, queue: DeliveryQueue, token: string | undefined): void {
  serve(app, routes.queue, problems, async (request) => {
    authorize(request, token);
    return queue.counts();
  });

  serve(app, routes.deadLetters, problems, async (request) => {
    authorize(request, token);
    const deadLetters = await queue.deadLetters(request.query.limit);
    return { count: (await queue.counts()).deadLettered, deadLetters };
  });

  serve(app, routes.redrive, problems, async (request) => {
    authorize(request, token);
    return { redriven: await queue.redrive(request.body.messageId) };
  });
}
