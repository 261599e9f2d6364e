// A well-behaved customer under load: sends delivery requests at a steady rate through the
// gateway, each with its own Idempotency-Key, and retries a request that got no answer or a
// 5xx with the same key (so a retry can never make a second delivery). It keeps the log a
// reconciliation needs: every deliveryId the system accepted with a 202.

import { randomUUID } from 'node:crypto';
import { gatewayRoutes } from '@dronedelivery/contracts';
import { deliveryRequest } from '@dronedelivery/loadtest/src/traffic.ts';

export interface ClientLog {
  /** Idempotency-Key → deliveryId, for every request answered 202. */
  accepted: Map<string, string>;
  /** Requests that never got a 202, even after retries. */
  failedRequests: number;
  /** Answers other than 202 (and requests without an answer), retried ones included. */
  failedAttempts: number;
  /** The same attempts by what happened: a status code, "timeout" (no answer in 10 s) or "no answer" (connection cut). */
  failures: Map<string, number>;
  /** Answers that were not retried because they were 4xx: a client bug, never expected here. */
  rejected: Map<number, number>;
}

/** A customer's delivery request: the load tests' own (a fresh package, a pickup within 60 days). */
export const deliveryRequestBody = deliveryRequest;

/** The same request, for a pickup at `pickupTime`. */
export function deliveryRequestAt(owner: string, pickupTime: string): string {
  return JSON.stringify({ ...JSON.parse(deliveryRequestBody(owner)), pickupTime });
}

export class LoadClient {
  readonly log: ClientLog = { accepted: new Map(), failedRequests: 0, failedAttempts: 0, failures: new Map(), rejected: new Map() };
  private readonly inFlight = new Set<Promise<void>>();
  private readonly gatewayUrl: string;
  private readonly token: string;
  private readonly owner: string;

  /** How long a request is retried before the client gives up on it, as a client with a deadline would. */
  private readonly retryForMs: number;

  constructor(gatewayUrl: string, token: string, owner: string, retryForMs = 60_000) {
    this.gatewayUrl = gatewayUrl;
    this.token = token;
    this.owner = owner;
    this.retryForMs = retryForMs;
  }

  /**
   * One request, retried with the same key until it is accepted or its time is up: backing off
   * exponentially to 2 s, and never sooner than a 503's Retry-After asks.
   */
  async submit(key: string = randomUUID(), body = deliveryRequestBody(this.owner)): Promise<string | undefined> {
    const giveUpAt = Date.now() + this.retryForMs;
    for (let attempt = 1; Date.now() < giveUpAt; attempt += 1) {
      let noAnswer = 'no answer';
      let retryAfterMs = 0;
      const status = await fetch(`${this.gatewayUrl}${gatewayRoutes.requestDelivery.url}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json', 'idempotency-key': key },
        body,
        signal: AbortSignal.timeout(10_000),
      }).then(
        async (response) => {
          if (response.status === 202) {
            const { deliveryId } = (await response.json()) as { deliveryId: string };
            this.log.accepted.set(key, deliveryId);
            return 202;
          }
          await response.body?.cancel();
          retryAfterMs = Number(response.headers.get('retry-after') ?? 0) * 1000 || 0;
          return response.status;
        },
        (error: unknown) => {
          noAnswer = (error as Error).name === 'TimeoutError' ? 'timeout' : 'no answer';
          return 0;
        },
      );
      if (status === 202) return this.log.accepted.get(key);
      this.log.failedAttempts += 1;
      const cause = status === 0 ? noAnswer : String(status);
      this.log.failures.set(cause, (this.log.failures.get(cause) ?? 0) + 1);
      if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
        this.log.rejected.set(status, (this.log.rejected.get(status) ?? 0) + 1);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(retryAfterMs, Math.min(2_000, 100 * 2 ** attempt))));
    }
    this.log.failedRequests += 1;
    return undefined;
  }

  /** Sends `rate` requests a second for `seconds`, without waiting for answers to send the next. */
  async run(rate: number, seconds: number): Promise<void> {
    const interval = 1000 / rate;
    const start = Date.now();
    for (let sent = 0; sent < rate * seconds; sent += 1) {
      const due = start + sent * interval;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const request = this.submit().then(() => {
        this.inFlight.delete(request);
      });
      this.inFlight.add(request);
    }
    await Promise.all(this.inFlight);
  }
}
