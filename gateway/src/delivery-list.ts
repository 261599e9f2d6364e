// Listing a caller's deliveries, including the requests the workflow has not recorded yet.
// The delivery service lists what the workflow recorded; ingestion lists what it accepted. A
// delivery's creation time is its acceptance time, so both lists share one order (time, then
// id) and one cursor, and the gateway merges them: a recorded delivery hides its acceptance,
// and an acceptance alone is the delivery at stage Requested (or Cancelled, if a cancel
// overtook it), checked with the delivery service before it is shown.
import {
  type AcceptancePage,
  CancelledBeforeScheduledProblem,
  callOf,
  type Delivery,
  type DeliveryAcceptance,
  type DeliveryListQuery,
  type DeliveryPage,
  deliveryRoutes,
  problemAs,
  requestRoutes,
} from '@dronedelivery/contracts';
import {
  type Caller,
  decodeListCursor,
  encodeListCursor,
  HttpProblem,
  isBefore,
  type ListPosition,
  problemType,
} from '@dronedelivery/service-kit';
import type { FastifyRequest } from 'fastify';
import { acceptedView } from './delivery-views.ts';
import { call, forwardedHeaders, type Upstreams } from './upstreams.ts';

/** Most list entries read to fill one page when a stage filter makes it sparse. */
const MAX_SCANNED = 1_000;
/** Entries read per round from each list. */
const BATCH = 100;

/** Stages a request the workflow has not recorded yet can be at. */
const UNRECORDED_STAGES = new Set(['Requested', 'Cancelled']);

interface Entry {
  position: ListPosition;
  delivery: Delivery;
}

const positionOfDelivery = (delivery: Delivery): ListPosition => ({ at: Date.parse(delivery.createdAt), id: delivery.id });
const acceptancePosition = (acceptance: DeliveryAcceptance): ListPosition => ({
  at: Date.parse(acceptance.acceptedAt),
  id: acceptance.request.deliveryId,
});
/** Newest first: the reverse of time order. */
const newestFirst = (a: Entry, b: Entry) => (isBefore(a.position, b.position) ? 1 : isBefore(b.position, a.position) ? -1 : 0);

/** The upstream's own answer when it is not a 200 (a 400 for a bad cursor, say). */
function expectOk<T>(response: { status: number; body: unknown }, what: string): T {
  if (response.status === 200) return response.body as T;
  const problem = response.body as { detail?: string; type?: string; errors?: unknown } | undefined;
  throw new HttpProblem(response.status, problem?.detail ?? `The ${what} list could not be read.`, {
    type: problem?.type ?? problemType('upstream'),
  });
}

export async function listVisibleDeliveries(
  upstreams: Upstreams,
  request: FastifyRequest,
  caller: Caller,
  query: DeliveryListQuery,
): Promise<DeliveryPage> {
  const headers = forwardedHeaders(request, caller);
  const { stage, cursor, limit, ...range } = query;
  const pageOf = async (listQuery: DeliveryListQuery) =>
    expectOk<DeliveryPage>(await call(upstreams.delivery, callOf(deliveryRoutes.list, { query: listQuery }), { headers }), 'delivery');

  // No unrecorded request can be at this stage: the delivery service's list is the whole answer.
  if (stage !== undefined && !UNRECORDED_STAGES.has(stage)) return pageOf(query);

  /**
   * One round: up to `count` entries after `after` from both lists, merged. `covered` is how
   * far both lists were read (entries older than it may be missing from one of them).
   */
  async function round(after: ListPosition | undefined, count: number) {
    const listQuery = { ...range, limit: count, ...(after ? { cursor: encodeListCursor(after) } : {}) };
    const [recorded, accepted] = await Promise.all([
      pageOf(listQuery),
      call(upstreams.ingestion, callOf(requestRoutes.acceptances, { query: listQuery }), { headers }).then((response) =>
        expectOk<AcceptancePage>(response, 'acceptance'),
      ),
    ]);
    const ends = [recorded.nextCursor, accepted.nextCursor].flatMap((next) => (next ? [decodeListCursor(next)] : []));
    // The newer of the two ends: past it, one list has not been read yet.
    const covered = ends.reduce<ListPosition | undefined>((newest, end) => (newest && isBefore(end, newest) ? newest : end), undefined);
    const within = (position: ListPosition) => !covered || !isBefore(position, covered);
    const recordedIds = new Set(recorded.items.map((delivery) => delivery.id));
    const unrecorded = accepted.items.filter(
      (acceptance) => !recordedIds.has(acceptance.request.deliveryId) && within(acceptancePosition(acceptance)),
    );
    const entries: Entry[] = [
      ...recorded.items.map((delivery) => ({ position: positionOfDelivery(delivery), delivery })).filter((entry) => within(entry.position)),
      ...(await Promise.all(unrecorded.map((acceptance) => unrecordedEntry(acceptance)))),
    ].sort(newestFirst);
    return { entries, covered };
  }

  /** An acceptance the delivery list did not show: still queued, cancelled before it was recorded, or recorded just now. */
  async function unrecordedEntry(acceptance: DeliveryAcceptance): Promise<Entry> {
    const deliveryId = acceptance.request.deliveryId;
    const response = await call(upstreams.delivery, callOf(deliveryRoutes.get, { params: { id: deliveryId } }), { headers });
    const position = acceptancePosition(acceptance);
    if (response.status === 200) return { position, delivery: response.body };
    if (response.status === 404) return { position, delivery: acceptedView({ source: 'acceptance', acceptance }) };
    const cancelled = response.status === 410 ? problemAs(CancelledBeforeScheduledProblem, response.body) : undefined;
    if (cancelled) return { position, delivery: acceptedView({ source: 'acceptance', acceptance, cancelledAt: cancelled.cancelledAt }) };
    return { position, delivery: expectOk<Delivery>(response, 'delivery') };
  }

  const items: Delivery[] = [];
  let after = cursor === undefined ? undefined : decodeListCursor(cursor);
  let scanned = 0;
  while (scanned < MAX_SCANNED) {
    const count = stage === undefined ? limit - items.length : BATCH;
    const { entries, covered } = await round(after, count);
    const taken = entries.slice(0, count);
    for (const [index, entry] of taken.entries()) {
      scanned += 1;
      after = entry.position;
      if (stage === undefined || entry.delivery.stage === stage) items.push(entry.delivery);
      if (items.length === limit) {
        const more = index < entries.length - 1 || covered !== undefined;
        return { items, ...(more ? { nextCursor: encodeListCursor(after) } : {}) };
      }
    }
    // Both lists read to their ends, and every entry taken: this is the last page.
    if (covered === undefined && taken.length === entries.length) return { items };
    if (taken.length === 0 && covered) {
      // Every entry of this round lay past where one of the lists ended: resume from there.
      after = covered;
      scanned += 1;
    }
  }
  return { items, ...(after ? { nextCursor: encodeListCursor(after) } : {}) };
}
