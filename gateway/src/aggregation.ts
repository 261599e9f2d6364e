// Views assembled from several services in one round trip. Each part has its own budget
// (and the upstream's own breaker); a part that fails or runs out of time is left out as
// null with a warning naming it, while the essential part (the delivery) must succeed.
import {
  type Delivery,
  DeliveryIdParams,
  DeliveryStatus,
  DroneAssignmentView,
  MonthQuery,
  OwnerIdParams,
  Package,
} from '@dronedelivery/contracts';
import { type HttpRequest, requireOwner, type ServiceInstance } from '@dronedelivery/service-kit';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Upstream } from './canary.ts';
import { acceptedStatus, acceptedView, findDelivery } from './delivery-views.ts';
import { callerOf, problems } from './routes.ts';
import { call, forwardedHeaders, type Upstreams } from './upstreams.ts';

const DeliveryDetails = z.object({
  delivery: z.unknown(),
  package: Package.nullable(),
  drone: DroneAssignmentView.nullable(),
  status: DeliveryStatus.nullable(),
  warnings: z.array(z.string()),
});

const Invoice = z.object({
  ownerId: z.string(),
  year: z.number().int(),
  month: z.number().int(),
  deliveries: z.object({ count: z.number().int() }).nullable(),
  packages: z.object({ count: z.number().int(), totalWeight: z.number() }).nullable(),
  utilization: z.object({ traveledMiles: z.number(), assignedHours: z.number() }).nullable(),
  warnings: z.array(z.string()),
});

type Part<T> = { value: T } | { warning: string };

export function registerAggregations(app: ServiceInstance, upstreams: Upstreams, partTimeoutMs: number): void {
  /** One non-essential part: its value, or why it is missing. `absent` statuses mean "nothing", not a failure. */
  async function part<T>(name: string, client: Upstream, request: HttpRequest, absent: number[] = [404]): Promise<Part<T | null>> {
    try {
      const response = await call<T>(client, { ...request, signal: AbortSignal.timeout(partTimeoutMs) });
      if (response.status === 200) return { value: response.body };
      if (absent.includes(response.status)) return { value: null };
      return { warning: `${name}: the ${client.upstream} service answered ${response.status}` };
    } catch (error) {
      return { warning: `${name}: ${(error as Error).message}` };
    }
  }

  const partValue = <T>(result: Part<T | null>): T | null => ('value' in result ? result.value : null);
  const warningsOf = (...results: Part<unknown>[]) => results.flatMap((result) => ('warning' in result ? [result.warning] : []));

  app.get(
    '/api/deliveries/:id/details',
    {
      schema: {
        summary: 'A delivery with its package, drone assignment and status, in one call; missing parts are null with a warning.',
        tags: ['deliveries'],
        params: DeliveryIdParams,
        response: { 200: DeliveryDetails, ...problems },
      },
    },
    async (request: FastifyRequest<{ Params: { id: string } }>) => {
      const caller = callerOf(request);
      const headers = forwardedHeaders(request, caller);
      const deliveryId = encodeURIComponent(request.params.id);
      // The delivery is essential (it decides who may see the rest); drone and status need
      // only the id and start at the same time; the package needs the delivery's packageId.
      const deliveryCall = call<Delivery>(upstreams.delivery, {
        method: 'GET',
        path: `/api/deliveries/${deliveryId}`,
        headers,
        signal: AbortSignal.timeout(partTimeoutMs),
      });
      const droneCall = part<z.infer<typeof DroneAssignmentView>>('drone', upstreams.dronescheduler, {
        method: 'GET',
        path: `/api/dronedeliveries/${deliveryId}`,
        headers,
      });
      const statusCall = part<z.infer<typeof DeliveryStatus>>('status', upstreams.delivery, {
        method: 'GET',
        path: `/api/deliveries/${deliveryId}/status`,
        headers,
      });
      const found = await findDelivery(upstreams, request, caller, request.params.id, deliveryCall);
      if (found.source === 'acceptance') {
        // Not scheduled yet: no drone, and the package is stored by the workflow's first step.
        await Promise.allSettled([droneCall, statusCall]);
        return { delivery: acceptedView(found), package: null, drone: null, status: acceptedStatus(found), warnings: [] };
      }
      const { delivery } = found;
      const packagePart = part<z.infer<typeof Package>>('package', upstreams.package, {
        method: 'GET',
        path: `/api/packages/${encodeURIComponent(delivery.packageId)}`,
        headers,
      });
      const [drone, status, pkg] = await Promise.all([droneCall, statusCall, packagePart]);
      return {
        delivery,
        package: partValue(pkg),
        drone: partValue(drone),
        status: partValue(status),
        warnings: warningsOf(pkg, drone, status),
      };
    },
  );

  app.get(
    '/api/owners/:ownerId/invoice',
    {
      schema: {
        summary: "An owner's month: deliveries, package weight and drone utilization, from three services in parallel.",
        tags: ['invoicing'],
        params: OwnerIdParams,
        querystring: MonthQuery,
        response: { 200: Invoice, ...problems },
      },
    },
    async (request: FastifyRequest<{ Params: { ownerId: string }; Querystring: { year: number; month: number } }>) => {
      const caller = callerOf(request);
      const { ownerId } = request.params;
      requireOwner(caller, ownerId);
      const { year, month } = request.query;
      const headers = forwardedHeaders(request, caller);
      const [deliveries, packages, utilization] = await Promise.all([
        part<{ count: number }>('deliveries', upstreams.delivery, {
          method: 'GET',
          path: '/api/deliveries/summary',
          query: { ownerId, year, month },
          headers,
        }),
        part<{ count: number; totalWeight: number }>('packages', upstreams.package, {
          method: 'GET',
          path: `/api/packages/summary/${encodeURIComponent(ownerId)}`,
          query: { year, month },
          headers,
        }),
        part<{ traveledMiles: number; assignedHours: number }>('utilization', upstreams.dronescheduler, {
          method: 'GET',
          path: '/api/dronedeliveries/utilization',
          query: { ownerId, year, month },
          headers,
        }),
      ]);
      const usage = 'value' in utilization ? (utilization.value ?? { traveledMiles: 0, assignedHours: 0 }) : null;
      const pick = <T extends object, K extends keyof T>(value: T | null, keys: K[]) =>
        value ? (Object.fromEntries(keys.map((key) => [key, value[key]])) as Pick<T, K>) : null;
      return {
        ownerId,
        year,
        month,
        deliveries: pick(partValue(deliveries), ['count']),
        packages: pick(partValue(packages), ['count', 'totalWeight']),
        utilization: pick(usage, ['traveledMiles', 'assignedHours']),
        warnings: warningsOf(deliveries, packages, utilization),
      };
    },
  );
}
