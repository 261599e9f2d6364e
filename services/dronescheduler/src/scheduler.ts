// Assigning and releasing drones against the store. Candidates are ranked on the fleet's
// definitions (no read), then read one drone at a time — a point read in that drone's own
// partition — best first; the first free one is booked compare-and-set on its version. An
// assignment therefore touches the delivery's record, the owner's usage and the few drones
// it reads (one, unless the best is booked), not the whole fleet. Only when the
// MAX_CANDIDATES best are all booked is the rest of the fleet read, in one query, so that
// "409: no capable drone free" still means none in the whole fleet.
import { setTimeout as sleep } from 'node:timers/promises';
import type { DroneAssignment, DroneAssignmentRequest } from '@dronedelivery/contracts';
import type { ServiceArea } from '@dronedelivery/geo';
import { Conflict, Unavailable } from '@dronedelivery/service-kit';
import { current, type DroneState, noDroneAvailable, type Plan, planOn, rankDrones, requestKey } from './domain.ts';
import type { Drone } from './fleet.ts';
import type { SchedulerStore, UsageTotals } from './store/store.ts';

/** Passes over the contended candidates before giving up with 503. */
const MAX_ATTEMPTS = 20;
/** This many of the best-ranked capable drones are read one by one; past them, the rest of the fleet at once. */
export const MAX_CANDIDATES = 16;
const MAX_PAUSE_MS = 50;

export interface SchedulerOptions {
  /** How many of the best-ranked capable drones are read one by one before the rest of the fleet is read at once (default MAX_CANDIDATES). */
  maxCandidates?: number;
  /** The planned world's time scale (SIMULATION_SPEED, default 1): flights take 1/speed of their real time. */
  simulationSpeed?: number;
}

export class Scheduler {
  private readonly store: SchedulerStore;
  private readonly fleet: readonly Drone[];
  private readonly area: ServiceArea;
  private readonly clock: () => Date;
  private readonly maxCandidates: number;
  private readonly speed: number;

  /** `fleet`: the configured drones (FLEET_JSON), the ones assignments are planned over. */
  constructor(store: SchedulerStore, fleet: readonly Drone[], area: ServiceArea, clock: () => Date, options: SchedulerOptions = {}) {
    this.store = store;
    this.fleet = fleet;
    this.area = area;
    this.clock = clock;
    this.maxCandidates = options.maxCandidates ?? MAX_CANDIDATES;
    this.speed = options.simulationSpeed ?? 1;
  }

  /**
   * Assigns a drone to a delivery. The same request again returns the same assignment and
   * records nothing twice; a different request for the same delivery re-plans it.
   */
  async assign(deliveryId: string, request: DroneAssignmentRequest): Promise<DroneAssignment> {
    const key = requestKey(request);
    const existing = await this.store.getAssignment(deliveryId);
    if (existing?.requestKey === key) return existing.assignment;
    if (existing && existing.ownerId !== request.ownerId) throw new Conflict(`Delivery ${deliveryId} belongs to another owner.`);

    const now = this.clock();
    // Throws 422 when no drone could ever carry the load (or the pickup is past the horizon).
    const ranked = rankDrones(request, this.fleet, now, this.area, this.speed);
    const best = ranked.slice(0, this.maxCandidates);
    // The best few, one point read each: one is nearly always free.
    let outcome = await this.book(deliveryId, request, now, best, (droneId) => this.store.drone(droneId));
    if (!('plan' in outcome) && ranked.length > best.length) {
      // All of them booked: the rule is over the whole fleet, so the rest is read at once
      // (one cross-partition query, what every assignment used to read) and tried in rank order.
      const fleet = new Map((await this.store.drones()).map((state) => [state.drone.id, state]));
      const rest = await this.book(deliveryId, request, now, ranked.slice(best.length), async (droneId) => fleet.get(droneId));
      outcome = 'plan' in rest ? rest : { soonestReturn: Math.min(outcome.soonestReturn, rest.soonestReturn), contended: rest.contended };
    }
    if ('plan' in outcome) return this.record(deliveryId, request, key, outcome.plan, existing);
    if (outcome.contended) throw new Unavailable(`Too many concurrent bookings to assign delivery ${deliveryId}; retry shortly.`, 1);
    throw noDroneAvailable(deliveryId, outcome.soonestReturn, now);
  }

  /**
   * Tries `candidates` in order, the first pass on the states `read` gives, and books the
   * first free one compare-and-set. A drone whose booking was lost to another write is read
   * again (point read) on a later pass: the winner's flight may not overlap ours.
   */
  private async book(
    deliveryId: string,
    request: DroneAssignmentRequest,
    now: Date,
    candidates: string[],
    read: (droneId: string) => Promise<DroneState | undefined>,
  ): Promise<{ plan: Plan } | { soonestReturn: number; contended: boolean }> {
    let soonestReturn = Number.POSITIVE_INFINITY;
    let pending = candidates;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS && pending.length > 0; attempt += 1) {
      const contended: string[] = [];
      for (const droneId of pending) {
        const state = attempt === 1 ? await read(droneId) : await this.store.drone(droneId);
        const outcome = state && planOn(deliveryId, request, state, now, this.area, this.speed);
        if (!state || !outcome) continue; // not (or no longer) stored, out of service, or its stored definition cannot carry the load
        if ('busyUntil' in outcome) {
          soonestReturn = Math.min(soonestReturn, outcome.busyUntil);
          continue;
        }
        const reservations = [...current(state.reservations, now).filter((r) => r.deliveryId !== deliveryId), outcome.plan.reservation];
        if (await this.store.replaceReservations(state, reservations)) return outcome;
        // Lost the race: the next candidate is tried first, spreading the contenders over the fleet.
        contended.push(droneId);
      }
      pending = contended;
      // Pause (with jitter) only when the races keep being lost.
      if (pending.length > 0 && attempt > 2) await sleep(Math.random() * Math.min(MAX_PAUSE_MS, 2 ** attempt));
    }
    return { soonestReturn, contended: pending.length > 0 };
  }

  /** After the booking: frees the drone an earlier plan of this delivery held, and records the answer and its usage. */
  private async record(
    deliveryId: string,
    request: DroneAssignmentRequest,
    key: string,
    plan: Plan,
    existing: { assignment: DroneAssignment } | undefined,
  ): Promise<DroneAssignment> {
    // A reschedule: the earlier plan's drone is known from its record.
    if (existing && existing.assignment.droneId !== plan.droneId) await this.unreserve(existing.assignment.droneId, deliveryId);
    await this.store.putAssignment({
      deliveryId,
      ownerId: request.ownerId,
      requestKey: key,
      assignment: plan.assignment,
      usage: plan.usage,
    });
    return plan.assignment;
  }

  /** Frees the drone booked for a delivery and forgets its usage. Idempotent. */
  async release(deliveryId: string): Promise<void> {
    const existing = await this.store.getAssignment(deliveryId);
    if (!existing) return;
    await this.unreserve(existing.assignment.droneId, deliveryId);
    await this.store.deleteAssignment(existing);
  }

  /** The assignment recorded for a delivery, if any. */
  async assignmentOf(deliveryId: string): Promise<{ ownerId: string; assignment: DroneAssignment } | undefined> {
    const record = await this.store.getAssignment(deliveryId);
    return record && { ownerId: record.ownerId, assignment: record.assignment };
  }

  usage(ownerId: string, month: string): Promise<UsageTotals> {
    return this.store.usage(ownerId, month);
  }

  private async unreserve(droneId: string, deliveryId: string): Promise<void> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
      const state = await this.store.drone(droneId);
      if (!state?.reservations.some((r) => r.deliveryId === deliveryId)) return;
      const kept = current(state.reservations, this.clock()).filter((r) => r.deliveryId !== deliveryId);
      if (await this.store.replaceReservations(state, kept)) return;
      await sleep(Math.random() * Math.min(MAX_PAUSE_MS, 2 ** attempt));
    }
    throw new Unavailable(`Too many concurrent bookings to release drone ${droneId}; retry shortly.`, 1);
  }
}
