// Assigning and releasing drones against the store: plan on a fresh read of the fleet,
// book the chosen drone compare-and-set, and plan again if another booking came first.
import { setTimeout as sleep } from 'node:timers/promises';
import type { DroneAssignment, DroneAssignmentRequest } from '@dronedelivery/contracts';
import type { ServiceArea } from '@dronedelivery/geo';
import { Conflict, Unavailable } from '@dronedelivery/service-kit';
import { current, type DroneState, rankPlans, requestKey } from './domain.ts';
import type { SchedulerStore, UsageTotals } from './store/store.ts';

const MAX_ATTEMPTS = 20;
const CANDIDATES_PER_READ = 10;
const MAX_PAUSE_MS = 50;

export class Scheduler {
  private readonly store: SchedulerStore;
  private readonly area: ServiceArea;
  private readonly clock: () => Date;

  constructor(store: SchedulerStore, area: ServiceArea, clock: () => Date) {
    this.store = store;
    this.area = area;
    this.clock = clock;
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

    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
      const now = this.clock();
      const fleet = await this.store.drones();
      // Walk down the ranking on this read: when another booking took the best drone, the
      // next one is usually still free, which spares re-reading the whole fleet.
      for (const plan of rankPlans(deliveryId, request, fleet, now, this.area, CANDIDATES_PER_READ)) {
        const chosen = fleet.find((state) => state.drone.id === plan.droneId) as DroneState;
        const reservations = [...current(chosen.reservations, now).filter((r) => r.deliveryId !== deliveryId), plan.reservation];
        if (!(await this.store.replaceReservations(chosen, reservations))) continue;
        // An earlier plan for this delivery (a reschedule, or a crash before it was recorded) may hold another drone.
        for (const other of fleet) {
          if (other.drone.id !== chosen.drone.id && other.reservations.some((r) => r.deliveryId === deliveryId))
            await this.unreserve(other.drone.id, deliveryId);
        }
        await this.store.putAssignment({
          deliveryId,
          ownerId: request.ownerId,
          requestKey: key,
          assignment: plan.assignment,
          usage: plan.usage,
        });
        return plan.assignment;
      }
      // A fresh read usually resolves a lost race; pause (with jitter) only when it keeps happening.
      if (attempt > 2) await sleep(Math.random() * Math.min(MAX_PAUSE_MS, 2 ** attempt));
    }
    throw new Unavailable(`Too many concurrent bookings to assign delivery ${deliveryId}; retry shortly.`, 1);
  }

  /** Frees the drone booked for a delivery and forgets its usage. Idempotent. */
  async release(deliveryId: string): Promise<void> {
    for (const state of await this.store.drones()) {
      if (state.reservations.some((r) => r.deliveryId === deliveryId)) await this.unreserve(state.drone.id, deliveryId);
    }
    const existing = await this.store.getAssignment(deliveryId);
    if (existing) await this.store.deleteAssignment(existing);
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
