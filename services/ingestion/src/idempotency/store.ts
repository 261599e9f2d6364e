// The port: remembering Idempotency-Keys. A key is claimed before the request is published
// and completed with the response after, so concurrent repeats cannot publish twice.
export interface StoredResponse {
  status: number;
  location: string;
  body: unknown;
}

export type KeyState = { state: 'pending'; fingerprint: string } | { state: 'completed'; fingerprint: string; response: StoredResponse };

export interface IdempotencyStore {
  /** Claims `key` for a request with this fingerprint; if the key is known, returns what is stored instead. */
  claim(key: string, fingerprint: string, ttlSeconds: number): Promise<{ claimed: true } | { claimed: false; existing: KeyState }>;
  /** Records the response of a claimed key (keeping its expiry). */
  complete(key: string, fingerprint: string, response: StoredResponse): Promise<void>;
  /** Gives up a claim whose request failed, so that a retry can succeed. */
  release(key: string): Promise<void>;
  /** Resolves when the store is reachable now (readiness). */
  ping(): Promise<void>;
  /** Resolves once the store is reachable, waiting for the first connection (start-up). */
  ready(): Promise<void>;
  close(): Promise<void>;
}
