// The port: remembering Idempotency-Keys. A key is claimed, with the message and the answer
// it stands for, before anything is published: a repeat of the request re-publishes that
// same message (the queue drops it if it is already there) and gets the same answer, so
// neither concurrent repeats nor a crash between claiming and publishing lose or double it.
import type { QueueMessage } from '@dronedelivery/contracts';

export interface StoredResponse {
  status: number;
  location: string;
  body: unknown;
}

export interface Acceptance {
  /** Identifies the request's content: the same key with another fingerprint is refused. */
  fingerprint: string;
  message: QueueMessage;
  response: StoredResponse;
}

export interface IdempotencyStore {
  /** Claims `key` for this acceptance; if the key is already claimed, returns the acceptance stored under it. */
  claim(key: string, acceptance: Acceptance, ttlSeconds: number): Promise<{ claimed: true } | { claimed: false; existing: Acceptance }>;
  /** Gives up a claim whose request failed, so that a retry starts afresh. */
  release(key: string): Promise<void>;
  /** Resolves when the store is reachable now (readiness). */
  ping(): Promise<void>;
  /** Resolves once the store is reachable, waiting for the first connection (start-up). */
  ready(): Promise<void>;
  close(): Promise<void>;
}
