// The port: who asked for each delivery, and when. Ingestion writes it before it answers 202,
// so from the first moment a delivery id exists its owner is known: the gateway authorizes
// reschedules, cancels and reads against it until the delivery service has the delivery.
import type { DeliveryAcceptance } from '@dronedelivery/contracts';

export interface AcceptanceStore {
  /** Records an acceptance unless one is already recorded for its delivery id (a replay keeps the first). */
  record(acceptance: DeliveryAcceptance, ttlSeconds: number): Promise<void>;
  find(deliveryId: string): Promise<DeliveryAcceptance | undefined>;
  /** Resolves when the store is reachable now (readiness). */
  ping(): Promise<void>;
  /** Resolves once the store is reachable, waiting for the first connection (start-up). */
  ready(): Promise<void>;
  close(): Promise<void>;
}
