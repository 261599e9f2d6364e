// The package service's routes.

import { OwnerIdParams, Package, PackageIdParams, PackagePatch, PackageSummary, PackageUpsert } from '../packages.ts';
import { MonthQuery } from '../shared.ts';
import { route } from './route.ts';

export const packageRoutes = {
  upsert: route('PUT', '/api/packages/:id', {
    summary: 'Create or replace a package (internal). 201 when created, 200 when it existed.',
    tags: ['internal'],
    params: PackageIdParams,
    body: PackageUpsert,
    response: { 200: Package, 201: Package },
  }),
  patch: route('PATCH', '/api/packages/:id', {
    summary: 'Change some fields of a package (internal).',
    tags: ['internal'],
    params: PackageIdParams,
    body: PackagePatch,
    response: { 200: Package },
  }),
  get: route('GET', '/api/packages/:id', { summary: 'A package.', tags: ['public'], params: PackageIdParams, response: { 200: Package } }),
  summary: route('GET', '/api/packages/summary/:ownerId', {
    summary: "Number and total weight of an owner's packages registered in a calendar month (UTC).",
    tags: ['public'],
    params: OwnerIdParams,
    querystring: MonthQuery,
    response: { 200: PackageSummary },
  }),
};
