// In-memory SchedulerStore for embedded mode and tests: the same contract as Cosmos DB,
// versioned drone writes included, with data lost on exit. Stored values are frozen and
// replaced on write, so reads hand them out without copying and no caller can alter them.
import type { DroneState, Reservation, StoredFault } from '../domain.ts';
import type { Drone } from '../fleet.ts';
import type { AssignmentRecord, SchedulerStore, UsageTotals } from './store.ts';

function frozen<T>(value: T): T {
  const copy = structuredClone(value);
  const freeze = (node: unknown): void => {
    if (node && typeof node === 'object' && !Object.isFrozen(node)) {
      Object.freeze(node);
      for (const child of Object.values(node)) freeze(child);
    }
  };
  freeze(copy);
  return copy;
}

export class MemorySchedulerStore implements SchedulerStore {
  private readonly fleet = new Map<string, DroneState>();
  private readonly assignments = new Map<string, AssignmentRecord>();

  async start(fleet: Drone[]): Promise<void> {
    for (const drone of fleet) {
      const known = this.fleet.get(drone.id);
      this.fleet.set(
        drone.id,
        frozen({
          drone,
          reservations: known?.reservations ?? [],
          ...(known?.fault ? { fault: known.fault } : {}),
          version: String(Number(known?.version ?? 0) + 1),
        }),
      );
    }
  }

  async drones(): Promise<DroneState[]> {
    return [...this.fleet.values()];
  }

  async drone(id: string): Promise<DroneState | undefined> {
    return this.fleet.get(id);
  }

  async replaceReservations(state: DroneState, reservations: Reservation[]): Promise<boolean> {
    const entry = this.fleet.get(state.drone.id);
    return this.replace(state, reservations, entry?.fault);
  }

  async replaceFault(state: DroneState, fault: StoredFault | undefined, reservations: Reservation[]): Promise<boolean> {
    return this.replace(state, reservations, fault);
  }

  private replace(state: DroneState, reservations: Reservation[], fault: StoredFault | undefined): boolean {
    const entry = this.fleet.get(state.drone.id);
    if (!entry || entry.version !== state.version) return false;
    this.fleet.set(
      entry.drone.id,
      frozen({ drone: entry.drone, reservations, ...(fault ? { fault } : {}), version: String(Number(entry.version) + 1) }),
    );
    return true;
  }

  async getAssignment(deliveryId: string): Promise<AssignmentRecord | undefined> {
    return this.assignments.get(deliveryId);
  }

  async putAssignment(record: AssignmentRecord): Promise<void> {
    this.assignments.set(record.deliveryId, frozen(record));
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
}
