// What an operator sees: the fleet on the map (live), utilization, the queue, the services'
// health and the dead letters, with the two actions an operator takes: return a faulted
// drone to service, and put dead letters back on the queue.
import type { DeadLetterList, FleetDrone, FleetView, OperationsOverview } from '@dronedelivery/contracts';
import { useEffect, useState } from 'preact/hooks';
import { type Api, describeError } from '../api.ts';
import type { ConsoleConfig } from '../config.ts';
import { follow, type LiveState } from '../live.ts';
import { fleetDronePosition } from '../map/drone-position.ts';
import { formatPosition, MapView } from '../map/map-view.tsx';
import { formatTime } from '../time.ts';
import { useNow } from '../use-now.ts';

const OVERVIEW_REFRESH_MS = 5_000;

type DeadLetter = DeadLetterList['deadLetters'][number];
const messageIdOf = (letter: DeadLetter) =>
  typeof letter.message === 'object' && letter.message && 'messageId' in letter.message ? String(letter.message.messageId) : undefined;

export function OperatorView({ api, config }: { api: Api; config: ConsoleConfig }) {
  const [fleet, setFleet] = useState<FleetView>();
  const [live, setLive] = useState<LiveState>('connecting');
  const [overview, setOverview] = useState<OperationsOverview>();
  const [letters, setLetters] = useState<DeadLetterList>();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [notice, setNotice] = useState<string>();
  const now = useNow();

  const failed = (part: string) => (failure: unknown) => setErrors((previous) => ({ ...previous, [part]: describeError(failure) }));
  const succeeded = (part: string) => setErrors(({ [part]: _, ...rest }) => rest);

  /** Reads one part of the view; a part that fails shows its error until it is read again. */
  const load = <T,>(part: string, path: string, show: (value: T) => void) =>
    api
      .get<T>(path)
      .then((value) => {
        show(value);
        succeeded(part);
      })
      .catch(failed(part));

  const refresh = () => {
    void load<OperationsOverview>('overview', '/api/operations/overview', setOverview);
    void load<DeadLetterList>('deadletters', '/api/operations/deadletters', setLetters);
  };

  useEffect(() => {
    refresh();
    const timer = setInterval(refresh, OVERVIEW_REFRESH_MS);
    api.get<FleetView>('/api/drones').then(setFleet).catch(failed('fleet'));
    const stop = follow<FleetView>({
      open: (signal) => api.open('/api/drones/updates', { signal, headers: { accept: 'text/event-stream' } }),
      event: 'fleet',
      poll: () => api.get<FleetView>('/api/drones'),
      onData: (value) => {
        setFleet(value);
        succeeded('fleet');
      },
      onState: setLive,
    });
    return () => {
      clearInterval(timer);
      stop();
    };
  }, []);

  async function repair(drone: FleetDrone) {
    try {
      await api.send('POST', `/api/drones/${encodeURIComponent(drone.id)}/repairs`);
      setNotice(`${drone.id} is back in service.`);
      setFleet(await api.get<FleetView>('/api/drones'));
    } catch (failure) {
      setNotice(describeError(failure));
    }
  }

  async function redrive(messageId?: string) {
    try {
      const result = await api.send<{ redriven: number }>('POST', '/api/operations/deadletters/redrive', messageId ? { messageId } : {});
      setNotice(`${result.redriven} message${result.redriven === 1 ? '' : 's'} put back on the queue.`);
      refresh();
    } catch (failure) {
      setNotice(describeError(failure));
    }
  }

  const drones = fleet?.drones ?? [];
  const positions = drones.map((drone) => ({ drone, position: fleetDronePosition(drone, now) }));
  const summary = fleet?.summary ?? overview?.fleet ?? undefined;

  return (
    <div class="operator">
      <h1>Operations</h1>
      {notice && <p role="status">{notice}</p>}
      {Object.entries(errors).map(([part, message]) => (
        <p key={part} class="error" role="alert">
          {part}: {message}
        </p>
      ))}
      <div class="columns">
        <section class="card" aria-labelledby="fleet-title">
          <h2 id="fleet-title">Fleet</h2>
          <p class="muted" aria-live="polite">
            Updates: {live === 'live' ? 'live' : live === 'polling' ? 'every 2 seconds' : live}
          </p>
          <MapView
            title="Map of the fleet: every drone by state, and the bases"
            area={config.serviceArea}
            tileUrl={config.tileUrl}
            bases={drones.map((drone) => drone.base)}
            drones={positions.map(({ drone, position }) => ({ id: drone.id, position, state: drone.state }))}
          />
          <ul class="legend" aria-label="Legend">
            <li>
              <span class="swatch drone-idle" aria-hidden="true" /> idle
            </li>
            <li>
              <span class="swatch drone-flying" aria-hidden="true" /> flying
            </li>
            <li>
              <span class="swatch drone-faulted" aria-hidden="true" /> faulted
            </li>
            <li>
              <span class="swatch base" aria-hidden="true" /> base
            </li>
          </ul>
          <table>
            <caption>Drones and where they are</caption>
            <thead>
              <tr>
                <th scope="col">Drone</th>
                <th scope="col">State</th>
                <th scope="col">Position</th>
                <th scope="col">Flight or fault</th>
              </tr>
            </thead>
            <tbody>
              {positions.map(({ drone, position }) => (
                <tr key={drone.id}>
                  <th scope="row">{drone.id}</th>
                  <td>
                    <span class={`state drone-${drone.state}`}>{drone.state}</span>
                  </td>
                  <td>{formatPosition(position)}</td>
                  <td>
                    {drone.flight && `${drone.flight.deliveryId}, back ${formatTime(drone.flight.returnAt)}`}
                    {drone.fault && `${drone.fault.reason} (${formatTime(drone.fault.at)}) `}
                    {drone.state === 'faulted' && (
                      <button type="button" onClick={() => repair(drone)}>
                        Return {drone.id} to service
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <div>
          <section class="card" aria-labelledby="summary-title">
            <h2 id="summary-title">Utilization and queue</h2>
            <dl class="facts">
              <dt>Utilization</dt>
              <dd>{summary ? `${Math.round(summary.utilization * 100)} %` : '—'}</dd>
              <dt>Drones</dt>
              <dd>{summary ? `${summary.total}: ${summary.idle} idle, ${summary.flying} flying, ${summary.faulted} faulted` : '—'}</dd>
              <dt>Waiting</dt>
              <dd>{overview?.queue?.waiting ?? '—'}</dd>
              <dt>Active</dt>
              <dd>{overview?.queue?.active ?? '—'}</dd>
              <dt>Delayed</dt>
              <dd>{overview?.queue?.delayed ?? '—'}</dd>
              <dt>Dead-lettered</dt>
              <dd>{overview?.queue?.deadLettered ?? '—'}</dd>
            </dl>
            {overview?.warnings.map((warning) => (
              <p key={warning} class="warning">
                {warning}
              </p>
            ))}
          </section>
          <section class="card" aria-labelledby="services-title">
            <h2 id="services-title">Services</h2>
            <table>
              <caption>Readiness of each service</caption>
              <thead>
                <tr>
                  <th scope="col">Service</th>
                  <th scope="col">Ready</th>
                  <th scope="col">Latency</th>
                </tr>
              </thead>
              <tbody>
                {(overview?.services ?? []).map((service) => (
                  <tr key={service.name}>
                    <th scope="row">{service.name}</th>
                    <td class={service.ready ? 'ok' : 'bad'}>
                      {service.ready ? 'ready' : `not ready${service.detail ? `: ${service.detail}` : ''}`}
                    </td>
                    <td>{service.latencyMs === null ? '—' : `${Math.round(service.latencyMs)} ms`}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <section class="card" aria-labelledby="deadletters-title">
            <h2 id="deadletters-title">Dead letters</h2>
            {letters && letters.count === 0 && <p>None.</p>}
            {letters && letters.count > 0 && (
              <button type="button" onClick={() => redrive()}>
                Redrive all {letters.count}
              </button>
            )}
            <ul class="dead-letters">
              {letters?.deadLetters.map((letter, index) => {
                const id = messageIdOf(letter);
                return (
                  <li key={id ?? index}>
                    <strong>{id ?? 'unknown message'}</strong>: {letter.reason}
                    <span class="muted">
                      {' '}
                      ({letter.attempts.length} attempts, dead {formatTime(letter.deadAt)})
                    </span>
                    {id && (
                      <button type="button" class="secondary" onClick={() => redrive(id)}>
                        Redrive {id}
                      </button>
                    )}
                  </li>
                );
              })}
            </ul>
          </section>
        </div>
      </div>
    </div>
  );
}
