// The port: what the dronescheduler needs from a store. Drone reservations are written
// compare-and-set on the drone's version, so two assignments never book one drone twice.
import type { DroneAssignment } from '@dronedelivery/contracts';
import type { DroneState, Reservation, StoredFault, Usage } from '../domain.ts';
import type { Drone } from '../fleet.ts';

/** A delivery's assignment, kept so that a retry gets the same answer. */
export interface AssignmentRecord {
  deliveryId: string;
  ownerId: string;
  /** Identifies the request it answered (see requestKey). */
  requestKey: string;
  assignment: DroneAssignment;
  usage: Usage;
}

export interface UsageTotals {
  miles: number;
  hours: number;
  deliveries: number;
}

export interface SchedulerStore {
  /** Connects, creates what is missing, and seeds the fleet: new drones added, definitions updated, reservations and faults kept. */
  start(fleet: Drone[]): Promise<void>;
  /** The whole fleet (a cross-partition query in Cosmos DB): planning reads it only when the best-ranked drones are all booked. */
  drones(): Promise<DroneState[]>;
  /** One drone (a point read in its own partition in Cosmos DB): how planning reads its candidates. */
  drone(id: string): Promise<DroneState | undefined>;
  /** Replaces a drone's reservations (its fault kept as it is) if it is still at the version `state` was read at; false otherwise. */
  replaceReservations(state: DroneState, reservations: Reservation[]): Promise<boolean>;
  /**
   * Records a drone's fault (undefined: repaired) together with the reservations it keeps, in
   * one write, if it is still at the version `state` was read at; false otherwise.
   */
  replaceFault(state: DroneState, fault: StoredFault | undefined, reservations: Reservation[]): Promise<boolean>;
  getAssignment(deliveryId: string): Promise<AssignmentRecord | undefined>;
  /** Stores the assignment and its usage (both keyed by delivery id, so repeating is harmless). */
  putAssignment(record: AssignmentRecord): Promise<void>;
  deleteAssignment(record: AssignmentRecord): Promise<void>;
  /** Sum of an owner's usage in a month ("2026-11"). */
  usage(ownerId: string, month: string): Promise<UsageTotals>;
  ping(signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
  /** Reports the request units (RU) each operation consumed; only a store that is charged them (Cosmos DB) has it. */
  onRequestCharge?(observer: ChargeObserver): void;
}

export type ChargeObserver = (operation: string, requestUnits: number) => void;
