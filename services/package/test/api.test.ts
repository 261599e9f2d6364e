// The package service over HTTP, as the workflow and the gateway call it: against the
// in-memory store always and against MongoDB whenever MONGODB_URL is set.
import type { ServiceInstance } from '@dronedelivery/service-kit';
import { capturingLogger, startForInject, testConfig } from '@dronedelivery/service-kit/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { configSchema } from '../src/config.ts';
import { MemoryPackageStore } from '../src/store/memory.ts';
import type { PackageStore } from '../src/store/store.ts';
import { mongoUrl, openMongoStore } from './mongo-fixture.ts';

const config = { ...configSchema.parse({}), ...testConfig() };
const november = () => new Date('2026-11-15T12:00:00Z');

const adapters: { name: string; open: () => Promise<{ store: PackageStore; cleanup: () => Promise<void> }> }[] = [
  { name: 'in-memory', open: async () => ({ store: new MemoryPackageStore(), cleanup: async () => {} }) },
];
if (mongoUrl) adapters.push({ name: 'MongoDB', open: () => openMongoStore(mongoUrl as string) });

describe.each(adapters)('package API on $name', ({ open }) => {
  let app: ServiceInstance;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    const fixture = await open();
    cleanup = fixture.cleanup;
    app = await buildApp({ config, log: capturingLogger('package').log, store: fixture.store, clock: november });
    await startForInject(app);
  });

  afterEach(async () => {
    await app.close();
    await cleanup();
  });

  const put = (id: string, body: unknown) => app.inject({ method: 'PUT', url: `/api/packages/${id}`, payload: body as object });
  const get = (id: string) => app.inject({ method: 'GET', url: `/api/packages/${id}` });
  const body = { ownerId: 'owner-a', size: 'Small', weight: 10, tag: 'mytag' };

  it('PUT creates (201), repeats (200, unchanged), GET reads, PATCH changes only what it names', async () => {
    const created = await put('mypackage', body);
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({ id: 'mypackage', ...body });
    expect((await put('mypackage', body)).statusCode).toBe(200);
    expect((await get('mypackage')).json()).toEqual({ id: 'mypackage', ...body });

    const patched = await app.inject({ method: 'PATCH', url: '/api/packages/mypackage', payload: { weight: 12.5 } });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toEqual({ id: 'mypackage', ...body, weight: 12.5 });
  });

  it('answers 404 problems for a missing package on GET and PATCH', async () => {
    const missing = await get('nope');
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['content-type']).toContain('application/problem+json');
    expect(missing.json()).toMatchObject({ status: 404, detail: 'There is no package nope.' });
    expect((await app.inject({ method: 'PATCH', url: '/api/packages/nope', payload: { weight: 1 } })).statusCode).toBe(404);
    expect((await get('nope')).statusCode).toBe(404);
  });

  it('answers 409 when another owner claims an existing package id', async () => {
    await put('shared-id', body);
    const conflict = await put('shared-id', { ...body, ownerId: 'owner-b' });
    expect(conflict.statusCode).toBe(409);
    expect((await get('shared-id')).json()).toMatchObject({ ownerId: 'owner-a' });
  });

  it('answers exactly one 201 to 50 concurrent PUTs of a new id', async () => {
    const responses = await Promise.all(Array.from({ length: 50 }, () => put('p-race', body)));
    const statuses = responses.map((response) => response.statusCode).sort();
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 200)).toHaveLength(49);
  });

  it('summarises an owner month from the stored packages', async () => {
    await put('s-1', { ownerId: 'owner-s', size: 'Small', weight: 0.1 });
    await put('s-2', { ownerId: 'owner-s', size: 'Large', weight: 0.2 });
    await put('t-1', { ownerId: 'owner-t', size: 'Small', weight: 50 });
    const summary = await app.inject({ method: 'GET', url: '/api/packages/summary/owner-s?year=2026&month=11' });
    expect(summary.statusCode).toBe(200);
    expect(summary.json()).toEqual({ ownerId: 'owner-s', year: 2026, month: 11, count: 2, totalWeight: 0.3 });
    const otherMonth = await app.inject({ method: 'GET', url: '/api/packages/summary/owner-s?year=2026&month=10' });
    expect(otherMonth.json()).toMatchObject({ count: 0, totalWeight: 0 });
  });

  describe('bad input: 400 listing every failing field, and nothing written', () => {
    const cases: { name: string; payload: string; fields: string[] }[] = [
      {
        name: 'wrong types',
        payload: JSON.stringify({ ownerId: 7, size: 'Small', weight: '10' }),
        fields: ['body.ownerId', 'body.weight'],
      },
      { name: 'negative weight', payload: JSON.stringify({ ...body, weight: -1 }), fields: ['body.weight'] },
      { name: 'absurd weight', payload: JSON.stringify({ ...body, weight: 1e9 }), fields: ['body.weight'] },
      { name: 'weight that is not a number', payload: '{"ownerId":"o","size":"Small","weight":NaN}', fields: [] },
      { name: 'unknown size', payload: JSON.stringify({ ...body, size: 'Huge' }), fields: ['body.size'] },
      { name: 'missing fields', payload: JSON.stringify({}), fields: ['body.ownerId', 'body.size', 'body.weight'] },
      { name: 'empty owner id', payload: JSON.stringify({ ...body, ownerId: '' }), fields: ['body.ownerId'] },
      { name: 'unknown field', payload: JSON.stringify({ ...body, colour: 'red' }), fields: ['body'] },
      { name: 'path/body id mismatch', payload: JSON.stringify({ ...body, id: 'other' }), fields: ['body.id'] },
      { name: 'malformed JSON', payload: '{"ownerId": "o", ', fields: [] },
      { name: 'JSON that is not an object', payload: '[1,2]', fields: ['body'] },
    ];

    it.each(cases)('PUT with $name', async ({ payload, fields }) => {
      const response = await app.inject({
        method: 'PUT',
        url: '/api/packages/p-bad',
        payload,
        headers: { 'content-type': 'application/json' },
      });
      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toContain('application/problem+json');
      const problem = response.json() as { errors?: { path: string }[] };
      for (const field of fields) expect(problem.errors?.map((error) => error.path)).toContain(field);
      expect((await get('p-bad')).statusCode).toBe(404);
    });

    it('PUT with an id that has unsafe characters', async () => {
      const response = await put('bad%20id%3Cscript%3E', body);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ errors: [{ path: 'params.id' }] });
    });

    it('PUT with an empty id', async () => {
      const response = await put('', body);
      expect([400, 404]).toContain(response.statusCode);
      expect(response.headers['content-type']).toContain('application/problem+json');
    });

    it('PUT with a body that is not JSON: 415, nothing written', async () => {
      const response = await app.inject({
        method: 'PUT',
        url: '/api/packages/p-bad',
        payload: 'size=Small',
        headers: { 'content-type': 'text/plain' },
      });
      expect(response.statusCode).toBe(415);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect((await get('p-bad')).statusCode).toBe(404);
    });

    it('PATCH with nothing to change, the owner, or bad values changes nothing', async () => {
      await put('p-1', body);
      for (const payload of [{}, { ownerId: 'owner-b' }, { weight: 0 }, { size: 'Tiny' }]) {
        const response = await app.inject({ method: 'PATCH', url: '/api/packages/p-1', payload });
        expect(response.statusCode).toBe(400);
      }
      expect((await get('p-1')).json()).toEqual({ id: 'p-1', ...body });
    });

    it.each([
      ['month 13', 'year=2026&month=13', ['querystring.month']],
      ['month 0', 'year=2026&month=0', ['querystring.month']],
      ['year 0', 'year=0&month=5', ['querystring.year']],
      ['missing year and month', '', ['querystring.year', 'querystring.month']],
      ['text month', 'year=2026&month=may', ['querystring.month']],
    ])('summary with %s', async (_name, query, fields) => {
      const response = await app.inject({ method: 'GET', url: `/api/packages/summary/owner-a?${query}` });
      expect(response.statusCode).toBe(400);
      expect((response.json() as { errors: { path: string }[] }).errors.map((error) => error.path)).toEqual(expect.arrayContaining(fields));
    });
  });

  it('serves its OpenAPI document with the package routes', async () => {
    const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/api/packages/{id}', '/api/packages/summary/{ownerId}']));
    expect(Object.keys(document.paths['/api/packages/{id}'] ?? {}).sort()).toEqual(['get', 'patch', 'put']);
  });
});
