// HTTP routes of the package service: the declared routes, served by calling the store and domain.
import { Problem, packageRoutes as routes } from '@dronedelivery/contracts';
import { NotFound, type ServiceInstance, serve } from '@dronedelivery/service-kit';
import { fieldsForUpsert, monthRange, roundWeight } from './domain.ts';
import type { PackageStore } from './store/store.ts';

const problems = { 400: Problem, 404: Problem, 409: Problem, 503: Problem };

export function registerRoutes(app: ServiceInstance, store: PackageStore, clock: () => Date): void {
  serve(app, routes.upsert, problems, async (request, reply) => {
    const fields = fieldsForUpsert(request.params.id, request.body);
    const result = await store.upsert(request.params.id, fields, clock());
    return reply.code(result.outcome === 'created' ? 201 : 200).send(result.package);
  });

  serve(app, routes.patch, problems, async (request) => {
    const updated = await store.patch(request.params.id, request.body);
    if (!updated) throw new NotFound(`There is no package ${request.params.id}.`);
    return updated;
  });

  serve(app, routes.get, problems, async (request) => {
    const found = await store.get(request.params.id);
    if (!found) throw new NotFound(`There is no package ${request.params.id}.`);
    return found;
  });

  serve(app, routes.summary, problems, async (request) => {
    const { ownerId } = request.params;
    const { year, month } = request.query;
    const { start, end } = monthRange(year, month);
    const totals = await store.totals(ownerId, start, end);
    return { ownerId, year, month, count: totals.count, totalWeight: roundWeight(totals.totalWeight) };
  });
}
