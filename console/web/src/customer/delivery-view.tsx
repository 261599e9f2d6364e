// One delivery, followed live: the map with its route and the drone moving along it, the
// stage and ETAs, the timeline; cancel and reschedule. Updates arrive by server-sent events
// (GET /api/deliveries/:id/updates), or by polling the details when streaming is unavailable.
import type { DeliveryOverview, DeliveryStatus, DeliveryUpdate, TrackingEvent } from '@dronedelivery/contracts';
import { useEffect, useState } from 'preact/hooks';
import { type Api, describeError } from '../api.ts';
import type { ConsoleConfig } from '../config.ts';
import { follow, type LiveState } from '../live.ts';
import { positionOnRoute } from '../map/drone-position.ts';
import { formatPosition, MapView } from '../map/map-view.tsx';
import { formatTime, fromLocalInput, toLocalInput } from '../time.ts';
import { useNow } from '../use-now.ts';
import { placeOf } from './delivery-list.tsx';

const FINISHED = ['Completed', 'Cancelled', 'Rejected'];

interface Shown {
  overview?: DeliveryOverview;
  status?: DeliveryStatus | null;
  events: TrackingEvent[];
}

export function DeliveryView({ api, config, deliveryId }: { api: Api; config: ConsoleConfig; deliveryId: string }) {
  const [shown, setShown] = useState<Shown>({ events: [] });
  const [live, setLive] = useState<LiveState>('connecting');
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [newPickup, setNewPickup] = useState(toLocalInput(new Date(Date.now() + 30 * 60_000)));
  const now = useNow();
  const path = `/api/deliveries/${encodeURIComponent(deliveryId)}`;

  useEffect(() => {
    let droneId: string | null | undefined;
    let stage: string | undefined;
    // The details hold the route; an update that changes the drone or the stage may change it.
    const details = async () => {
      const overview = await api.get<DeliveryOverview>(`${path}/details`);
      droneId = overview.delivery.droneId;
      stage = overview.delivery.stage;
      return overview;
    };
    Promise.all([details(), api.get<TrackingEvent[]>(`${path}/events`)])
      .then(([overview, events]) =>
        setShown((previous) => ({
          overview,
          status: previous.status ?? overview.status,
          events: previous.events.length ? previous.events : events,
        })),
      )
      .catch((failure) => setError(describeError(failure)));
    return follow<DeliveryUpdate>({
      open: (signal) => api.open(`${path}/updates`, { signal, headers: { accept: 'text/event-stream' } }),
      event: 'delivery',
      poll: async () => {
        const [overview, events] = await Promise.all([details(), api.get<TrackingEvent[]>(`${path}/events`)]);
        setShown({ overview, status: overview.status, events });
        return { delivery: overview.delivery, status: overview.status as DeliveryStatus, events };
      },
      onData: (update) => {
        const replan = update.delivery.droneId !== droneId || (update.delivery.stage !== stage && update.delivery.stage === 'Rescheduled');
        setShown((previous) => ({
          overview: previous.overview ? { ...previous.overview, delivery: update.delivery } : previous.overview,
          status: update.status ?? previous.status,
          events: update.events,
        }));
        if (replan) void details().then((overview) => setShown((previous) => ({ ...previous, overview })));
      },
      onState: setLive,
    });
  }, [deliveryId]);

  async function cancel() {
    try {
      await api.send('DELETE', `/api/deliveryrequests/${encodeURIComponent(deliveryId)}`);
      setNotice('Cancellation requested.');
    } catch (failure) {
      setNotice(describeError(failure));
    }
  }

  async function reschedule(event: Event) {
    event.preventDefault();
    try {
      await api.send('PATCH', `/api/deliveryrequests/${encodeURIComponent(deliveryId)}`, {
        pickupTime: fromLocalInput(newPickup) ?? newPickup,
      });
      setNotice('Reschedule requested.');
    } catch (failure) {
      setNotice(describeError(failure));
    }
  }

  const delivery = shown.overview?.delivery;
  const route = shown.overview?.drone?.route;
  const drone = positionOnRoute(route, now) ?? shown.status?.lastKnownLocation ?? undefined;
  const pickup = route?.[1];
  const dropoff = route?.[2] ?? route?.at(-1);
  const finished = delivery ? FINISHED.includes(delivery.stage) : false;

  return (
    <section aria-labelledby="delivery-title">
      <p>
        <a href="#/">← My deliveries</a>
      </p>
      <h1 id="delivery-title">Delivery {deliveryId}</h1>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <p class="muted" aria-live="polite">
        Updates: {live === 'live' ? 'live' : live === 'polling' ? 'every 2 seconds' : live}
      </p>
      <div class="columns">
        <div>
          <MapView
            title={`Map of delivery ${deliveryId}: the drone's route, its pickup and dropoff`}
            area={config.serviceArea}
            tileUrl={config.tileUrl}
            bases={route?.[0] ? [route[0]] : []}
            route={route}
            pickup={pickup}
            dropoff={dropoff}
            drones={drone && delivery?.droneId ? [{ id: delivery.droneId, position: drone, state: 'flying' }] : []}
          />
          <ul class="map-text" aria-label="What the map shows">
            {drone && (
              <li>
                Drone {delivery?.droneId}: {formatPosition(drone)}
              </li>
            )}
            {pickup && <li>Pickup: {formatPosition(pickup)}</li>}
            {dropoff && <li>Dropoff: {formatPosition(dropoff)}</li>}
            {!route && <li>No route yet: a drone has not been assigned.</li>}
          </ul>
        </div>
        <div>
          {delivery && (
            <dl class="facts">
              <dt>Stage</dt>
              <dd>
                <span class={`stage stage-${delivery.stage}`}>{delivery.stage}</span>
                {delivery.message ? ` — ${delivery.message}` : ''}
              </dd>
              <dt>From</dt>
              <dd>{placeOf(delivery.pickup)}</dd>
              <dt>To</dt>
              <dd>{placeOf(delivery.dropoff)}</dd>
              <dt>Pickup ETA</dt>
              <dd>{formatTime(shown.status?.pickupEta)}</dd>
              <dt>Delivery ETA</dt>
              <dd>{formatTime(shown.status?.deliveryEta)}</dd>
              <dt>Drone</dt>
              <dd>{delivery.droneId ?? '—'}</dd>
            </dl>
          )}
          {delivery && !finished && (
            <div class="card">
              <h2>Change it</h2>
              <form onSubmit={reschedule} class="row">
                <div class="field">
                  <label for="new-pickup">New pickup time</label>
                  <input id="new-pickup" type="datetime-local" value={newPickup} onInput={(e) => setNewPickup(e.currentTarget.value)} />
                </div>
                <button type="submit">Reschedule</button>
              </form>
              <button type="button" class="danger" onClick={cancel}>
                Cancel delivery
              </button>
            </div>
          )}
          {notice && <p role="status">{notice}</p>}
          <h2>Timeline</h2>
          <ol class="timeline">
            {shown.events.map((event) => (
              <li key={`${event.stage}-${event.at}`}>
                <strong>{event.stage}</strong> <time dateTime={event.at}>{formatTime(event.at)}</time>
                {event.message ? ` — ${event.message}` : ''}
              </li>
            ))}
          </ol>
        </div>
      </div>
    </section>
  );
}
