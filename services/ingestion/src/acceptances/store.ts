// The port: who asked for each delivery, and when. Ingestion writes it before it answers 202,
// so from the first moment a delivery id exists its owner is known: the gateway authorizes
// reschedules, cancels and reads against it until the delivery service has the delivery, and
// lists it among the owner's deliveries until then.
import type { DeliveryAcceptance } from '@dronedelivery/contracts';
import type { ListRange } from '@dronedelivery/service-kit';

export interface AcceptanceRange extends ListRange {
  /** One owner's acceptances; every owner's when absent (operators). */
  ownerId?: string | undefined;
}

export interface AcceptanceStore {
  /** Records an acceptance unless one is already recorded for its delivery id (a replay keeps the first). */
  record(acceptance: DeliveryAcceptance, ttlSeconds: number): Promise<void>;
  find(deliveryId: string): Promise<DeliveryAcceptance | undefined>;
  /** Acceptances not yet expired, newest first (acceptance time, then delivery id), within `range`. */
  list(range: AcceptanceRange): Promise<DeliveryAcceptance[]>;
  /** Resolves when the store is reachable now (readiness). */
  ping(): Promise<void>;
  /** Resolves once the store is reachable, waiting for the first connection (start-up). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** An acceptance's place in the lists: the same as its delivery's once the workflow records it. */
export const positionOf = (acceptance: DeliveryAcceptance) => ({
  at: Date.parse(acceptance.acceptedAt),
  id: acceptance.request.deliveryId,
});
