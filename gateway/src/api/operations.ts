// Operators' view of the system: every service's readiness, the queue and the fleet summary in
// one call, and the workflow's dead letters with their re-drive.
import { type Call, callOf, droneRoutes, gatewayRoutes, type ServiceHealth, workflowRoutes } from '@dronedelivery/contracts';
import { requireRole, type ServiceInstance, serve, UpstreamError } from '@dronedelivery/service-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Upstream } from '../canary.ts';
import { call, forwardedHeaders, relay } from '../upstreams.ts';
import { type ApiContext, callerOf, problems } from './context.ts';
import { partsWithin } from './parts.ts';

/** One service's readiness probe, within `timeoutMs`; one that does not answer is not ready. */
async function probe(name: string, client: Upstream, timeoutMs: number): Promise<ServiceHealth> {
  const started = performance.now();
  try {
    const response = await client.request({ method: 'GET', path: '/healthz/ready', signal: AbortSignal.timeout(timeoutMs) });
    return { name, ready: response.status === 200, status: response.status, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    // A 5xx probe answer arrives as an error (the client's retries and breaker saw it): its status is still the answer.
    const status = error instanceof UpstreamError && error.status !== undefined ? error.status : null;
    return {
      name,
      ready: false,
      status,
      latencyMs: status === null ? null : Math.round(performance.now() - started),
      detail: (error as Error).message,
    };
  }
}

export function registerOperations(api: ServiceInstance, { upstreams, partTimeoutMs, readiness, workflowToken }: ApiContext): void {
  /** The workflow's operator routes take its own token; the caller was checked here. */
  const workflowHeaders = (headers: Record<string, string>) => ({
    ...headers,
    ...(workflowToken ? { authorization: `Bearer ${workflowToken}` } : {}),
  });

  serve(api, gatewayRoutes.overview, problems, async (request) => {
    const caller = callerOf(request);
    requireRole(caller, 'operator');
    const headers = forwardedHeaders(request, caller);
    const parts = partsWithin(partTimeoutMs, workflowHeaders(headers));
    const gateway = (async (): Promise<ServiceHealth> => {
      const started = performance.now();
      const { ready } = await readiness();
      return { name: 'gateway', ready, status: ready ? 200 : 503, latencyMs: Math.round(performance.now() - started) };
    })();
    const [services, queue, fleet] = await Promise.all([
      Promise.all([gateway, ...Object.entries(upstreams).map(([name, client]) => probe(name, client, partTimeoutMs))]),
      parts.read('queue', upstreams.workflow, callOf(workflowRoutes.queue, {})),
      // Only the summary is shown, and it covers the whole fleet whatever the filter: asking for
      // the faulted drones spares the dronescheduler reading every flying drone's assignment.
      parts.read('fleet', upstreams.dronescheduler, callOf(droneRoutes.fleet, { query: { state: 'faulted' } })),
    ]);
    const fleetView = parts.value(fleet);
    return {
      at: new Date().toISOString(),
      services,
      queue: parts.value(queue),
      fleet: fleetView ? fleetView.summary : null,
      warnings: [
        ...services.filter((service) => !service.ready).map((service) => `${service.name} is not ready`),
        ...parts.warnings(queue, fleet),
      ],
    };
  });

  /** An operator's call passed on to one of the workflow's operator routes, and its answer back. */
  const toWorkflow = async (request: FastifyRequest, reply: FastifyReply, workflowCall: Call<unknown>) => {
    const caller = callerOf(request);
    requireRole(caller, 'operator');
    const response = await call(upstreams.workflow, workflowCall, { headers: workflowHeaders(forwardedHeaders(request, caller)) });
    return relay(reply, response);
  };

  serve(api, gatewayRoutes.deadLetters, problems, async (request, reply) =>
    toWorkflow(request, reply, callOf(workflowRoutes.deadLetters, { query: request.query })),
  );

  serve(api, gatewayRoutes.redrive, problems, async (request, reply) =>
    toWorkflow(request, reply, callOf(workflowRoutes.redrive, { body: request.body })),
  );
}
