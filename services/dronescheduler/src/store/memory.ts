// In-memory SchedulerStore for embedded mode and tests: the same contract as Cosmos DB,
// versioned drone writes included, with data lost on exit.
import type { DroneState, Reservation } from '../domain.ts';
import type { Drone } from '../fleet.ts';
import type { AssignmentRecord, SchedulerStore, UsageTotals } from './store.ts';

const clone = <T>(value: T): T => structuredClone(value);

export class MemorySchedulerStore implements SchedulerStore {
  private readonly fleet = new Map<string, { drone: Drone; reservations: Reservation[]; version: number }>();
  private readonly assignments = new Map<string, AssignmentRecord>();

  async start(fleet: Drone[]): Promise<void> {
    for (const drone of fleet) {
      const known = this.fleet.get(drone.id);
      this.fleet.set(drone.id, { drone: clone(drone), reservations: known?.reservations ?? [], version: (known?.version ?? 0) + 1 });
    }
  }

  async drones(): Promise<DroneState[]> {
    return [...this.fleet.values()].map((entry) => this.view(entry));
  }

  async drone(id: string): Promise<DroneState | undefined> {
    const entry = this.fleet.get(id);
    return entry ? this.view(entry) : undefined;
  }

  async replaceReservations(state: DroneState, reservations: Reservation[]): Promise<boolean> {
    const entry = this.fleet.get(state.drone.id);
    if (!entry || String(entry.version) !== state.version) return false;
    entry.reservations = clone(reservations);
    entry.version += 1;
    return true;
  }

  async getAssignment(deliveryId: string): Promise<AssignmentRecord | undefined> {
    const record = this.assignments.get(deliveryId);
    return record ? clone(record) : undefined;
  }

  async putAssignment(record: AssignmentRecord): Promise<void> {
    this.assignments.set(record.deliveryId, clone(record));
  }

  async deleteAssignment(record: AssignmentRecord): Promise<void> {
    this.assignments.delete(record.deliveryId);
  }

  async usage(ownerId: string, month: string): Promise<UsageTotals> {
    let totals = { miles: 0, hours: 0, deliveries: 0 };
    for (const record of this.assignments.values()) {
      if (record.ownerId !== ownerId || record.usage.month !== month) continue;
      totals = { miles: totals.miles + record.usage.miles, hours: totals.hours + record.usage.hours, deliveries: totals.deliveries + 1 };
    }
    return totals;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}

  private view(entry: { drone: Drone; reservations: Reservation[]; version: number }): DroneState {
    return { drone: clone(entry.drone), reservations: clone(entry.reservations), version: String(entry.version) };
  }
}
