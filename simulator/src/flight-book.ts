// The flights the simulator is following, learnt from each fleet read: one entry per flying
// drone, forgotten once the drone no longer flies it, so memory is bounded by the fleet.
// Work is O(drones) per read and needs no timer per drone: each read says what is due.
import type { FleetDrone, Flight } from '@dronedelivery/contracts';
import { type DueAction, dueAction, type FlightPlan, retryDelayMs } from './flight-plan.ts';

/** `following`: nothing sent yet; `sending`: a call is under way; `done`: confirmed or failed, nothing more to do. */
type FlightState = 'following' | 'sending' | 'done';

interface TrackedFlight {
  flight: Flight;
  plan: FlightPlan;
  state: FlightState;
  attempts: number;
  notBefore: number;
}

export interface Due {
  action: DueAction;
  flight: Flight;
  plan: FlightPlan;
}

export type Decide = (droneId: string, flight: Flight) => FlightPlan;

export class FlightBook {
  private readonly flights = new Map<string, TrackedFlight>();
  private readonly decide: Decide;

  constructor(decide: Decide) {
    this.decide = decide;
  }

  /** How many flights are followed now. */
  get size(): number {
    return this.flights.size;
  }

  /**
   * Takes a read of the flying fleet at `now`: follows new flights, forgets those no drone
   * flies any more, and answers what is due, at most `limit` (the rest stay due for the next
   * read). A due flight is `sending` until `settle`.
   */
  observe(drones: readonly FleetDrone[], now: number, limit = Number.POSITIVE_INFINITY): Due[] {
    const seen = new Set<string>();
    const due: Due[] = [];
    for (const drone of drones) {
      const flight = drone.flight;
      if (!flight) continue;
      seen.add(flight.deliveryId);
      const tracked = this.follow(drone.id, flight);
      if (tracked.state !== 'following' || now < tracked.notBefore || due.length >= limit) continue;
      const action = dueAction(tracked.plan, now);
      if (!action) continue;
      tracked.state = 'sending';
      due.push({ action, flight: tracked.flight, plan: tracked.plan });
    }
    for (const [deliveryId, tracked] of this.flights) {
      if (seen.has(deliveryId) || tracked.state === 'sending') continue;
      // A flight that ended between two reads (a slow tick, a fast simulation) still owes its
      // drop-off or its fault report: it is due now, and forgotten once that has been sent.
      const owed = tracked.state === 'following' ? dueAction(tracked.plan, now) : undefined;
      if (!owed) {
        this.flights.delete(deliveryId);
      } else if (now >= tracked.notBefore && due.length < limit) {
        tracked.state = 'sending';
        due.push({ action: owed, flight: tracked.flight, plan: tracked.plan });
      }
    }
    return due;
  }

  /** The outcome of a due flight's call: `done`, or `retry` later (a transient failure). */
  settle(deliveryId: string, outcome: 'done' | 'retry', now: number): void {
    const tracked = this.flights.get(deliveryId);
    if (!tracked) return;
    if (outcome === 'done') {
      tracked.state = 'done';
      return;
    }
    tracked.attempts += 1;
    tracked.state = 'following';
    tracked.notBefore = now + retryDelayMs(tracked.attempts);
  }

  private follow(droneId: string, flight: Flight): TrackedFlight {
    const known = this.flights.get(flight.deliveryId);
    // A flight re-planned before anything was sent (a new drop-off time) is decided afresh.
    if (known && (known.state !== 'following' || known.flight.deliveryEta === flight.deliveryEta)) return known;
    const tracked: TrackedFlight = { flight, plan: this.decide(droneId, flight), state: 'following', attempts: 0, notBefore: 0 };
    this.flights.set(flight.deliveryId, tracked);
    return tracked;
  }
}
