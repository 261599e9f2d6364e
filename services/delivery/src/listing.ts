// Listing deliveries newest first, one page at a time. The stage a delivery is at depends on
// the clock (a drone leaves, a pickup happens), so a stage filter is applied to the computed
// view, reading the list in batches; the cursor is the last position read, so a page can
// hold fewer items than asked and still have a next page.
import type { Delivery, DeliveryListQuery, DeliveryPage } from '@dronedelivery/contracts';
import { decodeListCursor, encodeListCursor } from '@dronedelivery/service-kit';
import { listedView } from './domain.ts';
import type { DeliveryStore } from './store/store.ts';

/** Most list entries read to fill one page: bounds the work of a sparse filter. */
const MAX_SCANNED = 1_000;

export async function listDeliveries(store: DeliveryStore, query: DeliveryListQuery, now: Date): Promise<DeliveryPage> {
  const items: Delivery[] = [];
  const range = {
    ownerId: query.ownerId,
    from: query.from === undefined ? undefined : Date.parse(query.from),
    to: query.to === undefined ? undefined : Date.parse(query.to),
  };
  let after = query.cursor === undefined ? undefined : decodeListCursor(query.cursor);
  let scanned = 0;
  while (items.length < query.limit && scanned < MAX_SCANNED) {
    const positions = await store.listPositions({ ...range, after, count: Math.min(100, query.limit - items.length + 10) });
    if (positions.length === 0) return { items };
    const records = await store.getMany(positions.map((position) => position.id));
    const gone: { ownerId?: string | undefined; id: string }[] = [];
    for (const [index, position] of positions.entries()) {
      scanned += 1;
      after = position;
      const view = listedView(records[index]?.record, now);
      if (!records[index]) gone.push({ ownerId: query.ownerId, id: position.id });
      if (view && (query.stage === undefined || view.stage === query.stage)) items.push(view);
      if (items.length === query.limit) break;
    }
    // Entries outlive their deliveries (retention expires the record, not the list): tidy up.
    if (gone.length > 0) await store.unlist(gone);
  }
  const more = after !== undefined && (await store.listPositions({ ...range, after, count: 1 })).length > 0;
  return { items, ...(more && after ? { nextCursor: encodeListCursor(after) } : {}) };
}
