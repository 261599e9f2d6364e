// Simulated customers asking for deliveries through the gateway, within the bounds of
// traffic.ts, and following their own deliveries until each is finished, so that no more than
// TRAFFIC_MAX_OUTSTANDING are unfinished at once. It remembers only those unfinished ones.
import type { ConfirmationRequired, DeliveryStage } from '@dronedelivery/contracts';
import type { ServiceArea } from '@dronedelivery/geo';
import type { Logger } from '@dronedelivery/service-kit';
import type { GatewayApi } from './gateway-api.ts';
import type { SimulatorMetrics } from './metrics.ts';
import { type Random, streamFor } from './random.ts';
import { accrue, deliveryRequest, requestsDue, type TrafficLimits } from './traffic.ts';

/** How often an unfinished delivery's stage is read: often enough to free its place soon, rarely enough to stay far below the rate limit. */
const STAGE_CHECK_INTERVAL_MS = 5_000;
const FINISHED: ReadonlySet<DeliveryStage> = new Set(['Completed', 'Cancelled', 'Rejected']);

interface Unfinished {
  ownerId: string;
  confirmationRequired: ConfirmationRequired;
  checkAt: number;
  checking: boolean;
}

export interface CustomerTrafficOptions {
  api: GatewayApi;
  limits: TrafficLimits;
  owners: readonly string[];
  area: ServiceArea;
  seed: number;
  /** Tells this run's package ids and idempotency keys from another run's. */
  runId: string;
  requested: SimulatorMetrics['requested'];
  log: Logger;
  /** Runs a call without waiting for it; the simulation waits for every one before it stops. */
  track: (work: Promise<unknown>) => void;
}

export class CustomerTraffic {
  private readonly unfinished = new Map<string, Unfinished>();
  private readonly random: Random;
  private credit = 0;
  private sent = 0;
  private sending = 0;
  private lastStepAt: number | undefined;
  private readonly options: CustomerTrafficOptions;

  constructor(options: CustomerTrafficOptions) {
    this.options = options;
    this.random = streamFor(options.seed, 'traffic');
  }

  /** Whether it still has requests to send. */
  get active(): boolean {
    return this.options.limits.perMinute > 0 && this.sent < this.options.limits.maxTotal;
  }

  /** What a delivery it asked for needs as proof; undefined for anyone else's delivery. */
  confirmationRequiredFor(deliveryId: string): ConfirmationRequired | undefined {
    return this.unfinished.get(deliveryId)?.confirmationRequired;
  }

  /** A drone finished the delivery (confirmed, failed, or found it had moved on). */
  finished(deliveryId: string): void {
    this.unfinished.delete(deliveryId);
  }

  /** One tick: the requests now due, and a stage read of unfinished deliveries not read lately. */
  step(now: number): void {
    this.sendDue(now);
    for (const [deliveryId, delivery] of this.unfinished) {
      if (delivery.checking || now < delivery.checkAt) continue;
      delivery.checking = true;
      this.options.track(this.check(deliveryId, delivery, now));
    }
  }

  private sendDue(now: number): void {
    if (!this.active) return;
    const { limits } = this.options;
    this.credit = accrue(this.credit, limits.perMinute, now - (this.lastStepAt ?? now));
    this.lastStepAt = now;
    const due = requestsDue(this.credit, limits, { sent: this.sent, outstanding: this.unfinished.size + this.sending });
    this.credit = due.credit;
    for (let i = 0; i < due.send; i += 1) {
      this.sent += 1;
      this.options.track(this.send(this.sent, now));
    }
    if (this.sent >= limits.maxTotal && due.send > 0)
      this.options.log.info({ requests: this.sent }, 'customer traffic sent its last request');
  }

  private async send(number: number, now: number): Promise<void> {
    const { api, owners, area, runId, requested, log } = this.options;
    const request = deliveryRequest(this.random, { owners, area, runId }, number, now);
    this.sending += 1;
    try {
      const answered = await api.requestDelivery(request, `sim-${runId}-${number}`);
      requested.inc({ outcome: answered.outcome === 'ok' ? 'accepted' : answered.outcome });
      if (answered.deliveryId) {
        this.unfinished.set(answered.deliveryId, {
          ownerId: request.ownerId,
          confirmationRequired: request.confirmationRequired,
          checkAt: now + STAGE_CHECK_INTERVAL_MS,
          checking: false,
        });
        log.debug({ deliveryId: answered.deliveryId, ownerId: request.ownerId }, 'asked for a delivery');
      } else {
        log.warn({ ownerId: request.ownerId, status: answered.status, detail: answered.detail }, 'a delivery request was not accepted');
      }
    } finally {
      this.sending -= 1;
    }
  }

  private async check(deliveryId: string, delivery: Unfinished, now: number): Promise<void> {
    try {
      const stage = await this.options.api.stageOf(delivery.ownerId, deliveryId);
      if (stage && FINISHED.has(stage)) this.unfinished.delete(deliveryId);
    } finally {
      delivery.checking = false;
      delivery.checkAt = now + STAGE_CHECK_INTERVAL_MS;
    }
  }
}
