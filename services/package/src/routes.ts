// HTTP routes of the package service: validate, call the store and domain, map to HTTP.
import {
  MonthQuery,
  OwnerIdParams,
  Package,
  PackageIdParams,
  PackagePatch,
  PackageSummary,
  PackageUpsert,
  Problem,
} from '@dronedelivery/contracts';
import { NotFound, type ServiceInstance } from '@dronedelivery/service-kit';
import { fieldsForUpsert, monthRange, roundWeight } from './domain.ts';
import type { PackageStore } from './store/store.ts';

const problems = { 400: Problem, 404: Problem, 409: Problem, 503: Problem };

export function registerRoutes(app: ServiceInstance, store: PackageStore, clock: () => Date): void {
  app.put(
    '/api/packages/:id',
    {
      schema: {
        summary: 'Create or replace a package (internal). 201 when created, 200 when it existed.',
        tags: ['internal'],
        params: PackageIdParams,
        body: PackageUpsert,
        response: { 200: Package, 201: Package, ...problems },
      },
    },
    async (request, reply) => {
      const fields = fieldsForUpsert(request.params.id, request.body);
      const result = await store.upsert(request.params.id, fields, clock());
      return reply.code(result.outcome === 'created' ? 201 : 200).send(result.package);
    },
  );

  app.patch(
    '/api/packages/:id',
    {
      schema: {
        summary: 'Change some fields of a package (internal).',
        tags: ['internal'],
        params: PackageIdParams,
        body: PackagePatch,
        response: { 200: Package, ...problems },
      },
    },
    async (request) => {
      const updated = await store.patch(request.params.id, request.body);
      if (!updated) throw new NotFound(`There is no package ${request.params.id}.`);
      return updated;
    },
  );

  app.get(
    '/api/packages/:id',
    { schema: { summary: 'A package.', tags: ['public'], params: PackageIdParams, response: { 200: Package, ...problems } } },
    async (request) => {
      const found = await store.get(request.params.id);
      if (!found) throw new NotFound(`There is no package ${request.params.id}.`);
      return found;
    },
  );

  app.get(
    '/api/packages/summary/:ownerId',
    {
      schema: {
        summary: "Number and total weight of an owner's packages registered in a calendar month (UTC).",
        tags: ['public'],
        params: OwnerIdParams,
        querystring: MonthQuery,
        response: { 200: PackageSummary, ...problems },
      },
    },
    async (request) => {
      const { ownerId } = request.params;
      const { year, month } = request.query;
      const { start, end } = monthRange(year, month);
      const totals = await store.totals(ownerId, start, end);
      return { ownerId, year, month, count: totals.count, totalWeight: roundWeight(totals.totalWeight) };
    },
  );
}
