// The customer's deliveries, newest first, a page at a time (nextCursor), by stage if chosen.
import type { Delivery, DeliveryPage, DeliveryStage } from '@dronedelivery/contracts';
import { DELIVERY_STAGES } from '@dronedelivery/contracts/stages';
import { useEffect, useState } from 'preact/hooks';
import { type Api, describeError } from '../api.ts';
import { formatTime } from '../time.ts';

const STAGES: readonly DeliveryStage[] = DELIVERY_STAGES;
const PAGE = 10;

export const placeOf = (location: Delivery['pickup']) =>
  typeof location === 'string' ? location : (location.label ?? `${location.latitude.toFixed(3)}, ${location.longitude.toFixed(3)}`);

export function DeliveryList({ api }: { api: Api }) {
  const [stage, setStage] = useState<DeliveryStage | ''>('');
  const [items, setItems] = useState<Delivery[]>([]);
  const [cursor, setCursor] = useState<string>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(false);

  async function load(from: string | undefined, replace: boolean) {
    setLoading(true);
    const query = new URLSearchParams({ limit: String(PAGE), ...(stage ? { stage } : {}), ...(from ? { cursor: from } : {}) });
    try {
      const page = await api.get<DeliveryPage>(`/api/deliveries?${query}`);
      setItems((previous) => (replace ? page.items : [...previous, ...page.items]));
      setCursor(page.nextCursor);
      setError(undefined);
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setLoading(false);
    }
  }

  useEffect(() => {
    void load(undefined, true);
  }, [stage]);

  return (
    <section class="card" aria-labelledby="deliveries-title">
      <h2 id="deliveries-title">My deliveries</h2>
      <div class="toolbar">
        <label for="stage-filter">Stage</label>
        <select id="stage-filter" value={stage} onChange={(e) => setStage(e.currentTarget.value as DeliveryStage | '')}>
          <option value="">All</option>
          {STAGES.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
        <button type="button" class="secondary" onClick={() => load(undefined, true)}>
          Refresh
        </button>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {items.length === 0 && !loading && !error && <p>No deliveries yet.</p>}
      <ul class="deliveries" aria-busy={loading}>
        {items.map((delivery) => (
          <li key={delivery.id}>
            <a href={`#/deliveries/${encodeURIComponent(delivery.id)}`}>
              <span class={`stage stage-${delivery.stage}`}>{delivery.stage}</span> {placeOf(delivery.pickup)} → {placeOf(delivery.dropoff)}
            </a>
            <span class="muted"> pickup {formatTime(delivery.pickupTime)}</span>
          </li>
        ))}
      </ul>
      {cursor && (
        <button type="button" class="secondary" disabled={loading} onClick={() => load(cursor, false)}>
          Load more
        </button>
      )}
    </section>
  );
}
