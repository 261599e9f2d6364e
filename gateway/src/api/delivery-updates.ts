// A delivery's live view for its owner (or an operator), as server-sent events: the delivery,
// its status and its timeline, sent again whenever they change, until it is finished.
import {
  callOf,
  type DeliveryStatus,
  type DeliveryUpdate,
  deliveryRoutes,
  gatewayRoutes,
  type TrackingEvent,
} from '@dronedelivery/contracts';
import { type ServiceInstance, serve, Unavailable } from '@dronedelivery/service-kit';
import type { FastifyRequest } from 'fastify';
import type { VerifiedCaller } from '../auth.ts';
import { acceptedEvents, acceptedStatus, acceptedView, findDelivery } from '../delivery-views.ts';
import { call, forwardedHeaders, type Upstreams } from '../upstreams.ts';
import { type ApiContext, callerOf, problems } from './context.ts';

const FINISHED = ['Completed', 'Cancelled', 'Rejected'];

/** Reads of one moment: a change landing between them shows as stages that disagree. */
function agrees({ delivery, status, events }: DeliveryUpdate): boolean {
  const lastStage = events.filter((event) => event.stage === delivery.stage || FINISHED.includes(event.stage)).at(-1)?.stage;
  return status.stage === delivery.stage && (lastStage === undefined || lastStage === delivery.stage);
}

/** Reads a few times over until the three reads agree, so a client is not sent a half-changed view. */
const READS_TO_AGREE = 3;

/** The delivery as GET shows it (from the 202 on; another owner's is 404), with its status and events. */
async function updateOf(
  upstreams: Upstreams,
  request: FastifyRequest,
  caller: VerifiedCaller,
  id: string,
  signal?: AbortSignal,
): Promise<DeliveryUpdate> {
  let update = await readUpdate(upstreams, request, caller, id, signal);
  for (let read = 1; read < READS_TO_AGREE && !agrees(update); read += 1) update = await readUpdate(upstreams, request, caller, id, signal);
  return update;
}

async function readUpdate(
  upstreams: Upstreams,
  request: FastifyRequest,
  caller: VerifiedCaller,
  id: string,
  signal?: AbortSignal,
): Promise<DeliveryUpdate> {
  const found = await findDelivery(upstreams, request, caller, id);
  if (found.source === 'acceptance') return { delivery: acceptedView(found), status: acceptedStatus(found), events: acceptedEvents(found) };
  const options = { headers: forwardedHeaders(request, caller), ...(signal ? { signal } : {}) };
  const [status, events] = await Promise.all([
    call(upstreams.delivery, callOf(deliveryRoutes.status, { params: { id } }), options),
    call(upstreams.delivery, callOf(deliveryRoutes.events, { params: { id } }), options),
  ]);
  if (status.status !== 200 || events.status !== 200)
    throw new Unavailable(`The delivery service answered ${status.status}/${events.status} for delivery ${id}.`, 1);
  return { delivery: found.delivery, status: status.body as DeliveryStatus, events: events.body as TrackingEvent[] };
}

export function registerDeliveryUpdates(api: ServiceInstance, { upstreams, streams }: ApiContext): void {
  serve(api, gatewayRoutes.deliveryUpdates, problems, async (request, reply) => {
    const caller = callerOf(request);
    const { id } = request.params;
    // Read once before the stream opens: an unknown or another owner's delivery is a plain 404.
    const first = await updateOf(upstreams, request, caller, id);
    let pending: DeliveryUpdate | undefined = first;
    return streams.stream<DeliveryUpdate>(reply, caller, {
      event: 'delivery',
      async read(signal) {
        const update = pending ?? (await updateOf(upstreams, request, caller, id, signal));
        pending = undefined;
        return update;
      },
      finished: (update) => FINISHED.includes(update.delivery.stage),
    });
  });
}
