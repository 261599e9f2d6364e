// A delivery with its package, drone assignment and status in one round trip. The delivery is
// essential (it decides who may see the rest); drone and status need only the id and start at
// the same time; the package needs the delivery's packageId.
import { callOf, deliveryRoutes, droneRoutes, gatewayRoutes, packageRoutes } from '@dronedelivery/contracts';
import { type ServiceInstance, serve } from '@dronedelivery/service-kit';
import { acceptedStatus, acceptedView, findDelivery } from '../delivery-views.ts';
import { call, forwardedHeaders } from '../upstreams.ts';
import { type ApiContext, callerOf, problems } from './context.ts';
import { partsWithin } from './parts.ts';

export function registerDetails(api: ServiceInstance, { upstreams, partTimeoutMs }: ApiContext): void {
  serve(api, gatewayRoutes.deliveryDetails, problems, async (request) => {
    const caller = callerOf(request);
    const headers = forwardedHeaders(request, caller);
    const { id } = request.params;
    const parts = partsWithin(partTimeoutMs, headers);
    const deliveryCall = call(upstreams.delivery, callOf(deliveryRoutes.get, { params: { id } }), {
      headers,
      signal: AbortSignal.timeout(partTimeoutMs),
    });
    const droneCall = parts.read('drone', upstreams.dronescheduler, callOf(droneRoutes.assignment, { params: { deliveryId: id } }));
    const statusCall = parts.read('status', upstreams.delivery, callOf(deliveryRoutes.status, { params: { id } }));
    const found = await findDelivery(upstreams, request, caller, id, deliveryCall);
    if (found.source === 'acceptance') {
      // Not scheduled yet: no drone, and the package is stored by the workflow's first step.
      await Promise.allSettled([droneCall, statusCall]);
      return { delivery: acceptedView(found), package: null, drone: null, status: acceptedStatus(found), warnings: [] };
    }
    const { delivery } = found;
    const packageCall = parts.read('package', upstreams.package, callOf(packageRoutes.get, { params: { id: delivery.packageId } }));
    const [drone, status, pkg] = await Promise.all([droneCall, statusCall, packageCall]);
    return {
      delivery,
      package: parts.value(pkg),
      drone: parts.value(drone),
      status: parts.value(status),
      warnings: parts.warnings(pkg, drone, status),
    };
  });
}
