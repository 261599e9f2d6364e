// The fleet as operators and drones see it, and drone faults: the fleet view (one read of the
// fleet plus the assignments of the drones flying now), taking a failed drone out of service
// with what it had booked, and returning it to service.
import { setTimeout as sleep } from 'node:timers/promises';
import type { DroneCondition, DroneFault, FaultOutcome, FleetDrone, FleetView } from '@dronedelivery/contracts';
import { NotFound, Unavailable } from '@dronedelivery/service-kit';
import { conditionOf, type DroneState, endedByFault, flightAt, type StoredFault } from './domain.ts';
import type { AssignmentRecord, SchedulerStore } from './store/store.ts';

/** Passes over a drone whose write keeps losing to a booking before giving up with 503. */
const MAX_ATTEMPTS = 20;
const MAX_PAUSE_MS = 50;

/** The drone is not in the fleet. */
export class UnknownDrone extends NotFound {
  constructor(droneId: string) {
    super(`There is no drone ${droneId}.`);
  }
}

export class FleetOperations {
  private readonly store: SchedulerStore;
  private readonly clock: () => Date;

  constructor(store: SchedulerStore, clock: () => Date) {
    this.store = store;
    this.clock = clock;
  }

  /** Every drone now (or those in `state`), with the summary over the whole fleet. */
  async view(state?: DroneCondition): Promise<FleetView> {
    const now = this.clock();
    const fleet = (await this.store.drones()).sort((a, b) => a.drone.id.localeCompare(b.drone.id));
    const conditions = fleet.map((drone) => conditionOf(drone, now.getTime()));
    const count = (condition: DroneCondition) => conditions.filter((c) => c === condition).length;
    const [idle, flying, faulted] = [count('idle'), count('flying'), count('faulted')];
    const inService = fleet.length - faulted;
    const shown = fleet.filter((_drone, i) => state === undefined || conditions[i] === state);
    // Only the drones flying now have a flight to show: one point read each, in parallel.
    const drones = await Promise.all(shown.map((drone) => this.describe(drone, now.getTime())));
    return {
      at: now.toISOString(),
      summary: { total: fleet.length, idle, flying, faulted, utilization: inService === 0 ? 0 : flying / inService },
      drones,
    };
  }

  /**
   * Takes a drone out of service and ends what it had booked from the fault on (the flight in
   * progress and any later ones): reservations released, assignments and usage forgotten, as
   * a release does. The fault keeps the deliveries it ended, so reporting it again answers the
   * same ones and finishes what a failure half-way left undone.
   */
  async reportFault(droneId: string, report: DroneFault): Promise<FaultOutcome> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
      const state = await this.read(droneId);
      const fault = state.fault ?? (await this.faultOf(state, report));
      if (state.fault || (await this.store.replaceFault(state, fault, endedByFault(state.reservations, Date.parse(report.at)).kept))) {
        await this.forget(droneId, fault.deliveries);
        return { droneId, state: 'faulted', deliveries: fault.deliveries };
      }
      // A booking or release changed the drone since it was read: decide again on a fresh read.
      await sleep(Math.random() * Math.min(MAX_PAUSE_MS, 2 ** attempt));
    }
    throw new Unavailable(`Too many concurrent bookings to record the fault of drone ${droneId}; retry shortly.`, 1);
  }

  /** Returns a drone to service. Idempotent. */
  async repair(droneId: string): Promise<FleetDrone> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
      const state = await this.read(droneId);
      if (!state.fault) return this.describe(state, this.clock().getTime());
      if (await this.store.replaceFault(state, undefined, state.reservations)) {
        return this.describe(await this.read(droneId), this.clock().getTime());
      }
      await sleep(Math.random() * Math.min(MAX_PAUSE_MS, 2 ** attempt));
    }
    throw new Unavailable(`Too many concurrent writes to repair drone ${droneId}; retry shortly.`, 1);
  }

  private async read(droneId: string): Promise<DroneState> {
    const state = await this.store.drone(droneId);
    if (!state) throw new UnknownDrone(droneId);
    return state;
  }

  /** The fault to record: the report, with the deliveries it ends and whether each package was on board by then. */
  private async faultOf(state: DroneState, report: DroneFault): Promise<StoredFault> {
    const at = Date.parse(report.at);
    const { ended } = endedByFault(state.reservations, at);
    const records = await Promise.all(ended.map((reservation) => this.store.getAssignment(reservation.deliveryId)));
    const deliveries = records
      // A reservation without its assignment was being released: nothing of it is left to end.
      .filter((record): record is AssignmentRecord => record !== undefined && record.assignment.droneId === state.drone.id)
      .map((record) => ({
        deliveryId: record.deliveryId,
        ownerId: record.ownerId,
        packageOnBoard: at >= Date.parse(record.assignment.pickupEta),
      }));
    return {
      at: report.at,
      location: report.location,
      deliveryId: report.deliveryId ?? flightAt(state.reservations, at)?.deliveryId ?? null,
      reason: report.reason,
      deliveries,
    };
  }

  /** Forgets the assignments and usage of the deliveries a fault ended (the usage is not billed). Idempotent. */
  private async forget(droneId: string, deliveries: FaultOutcome['deliveries']): Promise<void> {
    await Promise.all(
      deliveries.map(async ({ deliveryId }) => {
        const record = await this.store.getAssignment(deliveryId);
        // Re-planned on another drone since (a repeat of an old report): that booking stands.
        if (record?.assignment.droneId === droneId) await this.store.deleteAssignment(record);
      }),
    );
  }

  private async describe(state: DroneState, now: number): Promise<FleetDrone> {
    const { drone, fault } = state;
    const condition = conditionOf(state, now);
    const reservation = condition === 'flying' ? flightAt(state.reservations, now) : undefined;
    const record = reservation && (await this.store.getAssignment(reservation.deliveryId));
    return {
      id: drone.id,
      base: drone.base,
      cruiseSpeedMph: drone.cruiseSpeedMph,
      payload: drone.payload,
      state: condition,
      flight:
        reservation && record
          ? { ...record.assignment, deliveryId: record.deliveryId, ownerId: record.ownerId, returnAt: reservation.to }
          : null,
      fault: fault ? { at: fault.at, location: fault.location, deliveryId: fault.deliveryId, reason: fault.reason } : null,
    };
  }
}
