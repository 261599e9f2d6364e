// Serving a declared route: the declaration's method, path and schemas (validation, the
// answer's serialization and the OpenAPI entry), plus the problem answers this service gives.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifySchema, RawServerDefault, RouteGenericInterface, RouteHandlerMethod } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import type { ServiceInstance } from './server.ts';

/** A route as the contracts package declares it (structurally: the kit does not depend on it). */
export interface DeclaredRoute {
  method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  url: string;
  schema: FastifySchema & { response: Record<number, z.ZodType> };
}

type Served<R extends DeclaredRoute, P extends Record<number, z.ZodType>> = Omit<R['schema'], 'response'> & {
  response: R['schema']['response'] & P;
};

export type RouteHandler<R extends DeclaredRoute, P extends Record<number, z.ZodType>> = RouteHandlerMethod<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  RouteGenericInterface,
  unknown,
  Served<R, P>,
  ZodTypeProvider,
  FastifyBaseLogger
>;

/** Registers `route` on `app` with `handler`; `problems` are the error answers it documents. */
export function serve<R extends DeclaredRoute, P extends Record<number, z.ZodType>>(
  app: ServiceInstance,
  route: R,
  problems: P,
  handler: RouteHandler<R, P>,
): void {
  app.route({
    method: route.method,
    url: route.url,
    schema: { ...route.schema, response: { ...route.schema.response, ...problems } } as Served<R, P>,
    handler,
  });
}
