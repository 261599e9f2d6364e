// A route, declared once: method, path, and the schemas of its parameters, query, body and
// answers. The service that serves it registers exactly this declaration (its validation and
// its OpenAPI entry come from it), and every caller builds its request from it, so a path or
// a body shape cannot drift between a server and its callers.
import type { z } from 'zod';

export type Method = 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';

export interface RouteSchema {
  summary: string;
  tags: string[];
  params?: z.ZodType;
  querystring?: z.ZodType;
  headers?: z.ZodType;
  body?: z.ZodType;
  /** The answers the route gives when it succeeds; the server adds its problem answers. */
  response: Record<number, z.ZodType>;
}

export interface Route<M extends Method = Method, U extends string = string, S extends RouteSchema = RouteSchema> {
  method: M;
  /** Fastify's form: `/api/deliveries/:id`. */
  url: U;
  schema: S;
}

export function route<const M extends Method, const U extends string, const S extends RouteSchema>(
  method: M,
  url: U,
  schema: S,
): Route<M, U, S> {
  return { method, url, schema };
}

/** The same route as another server serves it, with its own summary or tags (the gateway's public face of a service route). */
export function republish<R extends Route>(base: R, changes: { summary?: string; tags?: string[] }): R {
  return { ...base, schema: { ...base.schema, ...changes } };
}

type Input<S> = S extends z.ZodType ? z.input<S> : never;
type Output<S> = S extends z.ZodType ? z.output<S> : never;

/** What a caller supplies: the path parameters, the query and the body the route declares. */
export type CallInput<R extends Route> = (R['schema']['params'] extends z.ZodType
  ? { params: Input<R['schema']['params']> }
  : { params?: undefined }) &
  (R['schema']['querystring'] extends z.ZodType ? { query?: Input<R['schema']['querystring']> } : { query?: undefined }) &
  (R['schema']['body'] extends z.ZodType ? { body: Input<R['schema']['body']> } : { body?: undefined });

/** The body of a successful answer (200, 201 or 202; undefined for 204). */
export type Answer<R extends Route> = Output<R['schema']['response'][Extract<keyof R['schema']['response'], 200 | 201 | 202>]>;

/**
 * The path with its parameters filled in, each encoded as one path segment. `encode` can be
 * replaced only to send a path as it is (a fuzzer sending hostile segments).
 */
export function pathOf(route: Route, params: Record<string, unknown> = {}, encode: (value: string) => string = encodeURIComponent): string {
  return route.url.replace(/:(\w+)/g, (_match, name: string) => {
    const value = params[name];
    if (value === undefined || value === null || value === '') throw new Error(`${route.method} ${route.url}: no value for :${name}`);
    return encode(String(value));
  });
}

/** A call of a route, ready for an HTTP client; `answer` carries only the type of a successful answer's body. */
export interface Call<T> {
  method: Method;
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  readonly answer?: T;
}

/** The call of `route` with `input`: method, path (parameters filled in), query and body. */
export function callOf<R extends Route>(route: R, input: CallInput<R>): Call<Answer<R>> {
  const { params, query, body } = input as { params?: Record<string, unknown>; query?: Record<string, unknown>; body?: unknown };
  return {
    method: route.method,
    path: pathOf(route, params),
    ...(query === undefined ? {} : { query: queryOf(query) }),
    ...(body === undefined ? {} : { body }),
  };
}

function queryOf(query: Record<string, unknown>): Record<string, string | number | undefined> {
  return Object.fromEntries(
    Object.entries(query).map(([name, value]) => [name, value === undefined || typeof value === 'number' ? value : String(value)]),
  ) as Record<string, string | number | undefined>;
}

/** The OpenAPI form of a route's path: `/api/deliveries/{id}`. */
export const openApiPath = (route: Route): string => route.url.replace(/:(\w+)/g, '{$1}');
