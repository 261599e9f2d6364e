// Waiting for a drone without spinning. While no drone can take a delivery, its message is
// parked (delayed for the longest pause, or what is left of its waiting time) instead of
// retrying at the moment a drone is expected back: with a backlog, every waiting message
// came due at that moment, one got the drone and the rest spent four backend calls each to
// learn there was none. Instead, one message is woken per expected return (the soonest the
// dronescheduler names) or per released drone; a woken message that gets a drone passes the
// turn to the next one, since more capacity may be free; one that finds none parks again and
// arms the next wake-up. A shortage so costs a few calls per freed drone, not per waiting
// delivery. The parking delay stays the safety net: a process that dies with its timers
// loses no message, only the early wake-up.
import type { DeliveryQueue } from '@dronedelivery/queue';
import type { Logger } from '@dronedelivery/service-kit';

/** After a woken message failed for another reason, the next is woken this much later. */
const AFTER_FAILURE_MS = 1_000;

export class DroneWaitlist {
  private readonly queue: Pick<DeliveryQueue, 'wakeNext'>;
  private readonly log: Logger;
  /** Messages may be parked: some delivery found no drone, and no wake-up found the queue empty since. */
  private shortage = false;
  private timer: NodeJS.Timeout | undefined;
  private dueAt = Number.POSITIVE_INFINITY;

  constructor(queue: Pick<DeliveryQueue, 'wakeNext'>, log: Logger) {
    this.queue = queue;
    this.log = log;
  }

  /** A delivery found no drone free; the dronescheduler expects one back at `expectedAt` (epoch ms). */
  noDrone(expectedAt: number): void {
    this.shortage = true;
    this.wakeAt(expectedAt);
  }

  /** A delivery got its drone, or a drone was released: capacity may be left for the next. */
  async freed(): Promise<void> {
    if (this.shortage) await this.wakeOne();
  }

  /** A message failed for another reason: the turn goes on after a short pause, so the chain never stalls. */
  failed(): void {
    if (this.shortage) this.wakeAt(Date.now() + AFTER_FAILURE_MS);
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private wakeAt(at: number): void {
    if (at >= this.dueAt) return;
    clearTimeout(this.timer);
    this.dueAt = at;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.dueAt = Number.POSITIVE_INFINITY;
        void this.wakeOne();
      },
      Math.max(0, at - Date.now()),
    );
    this.timer.unref();
  }

  private async wakeOne(): Promise<void> {
    try {
      if (!(await this.queue.wakeNext())) this.shortage = false;
    } catch (error) {
      // The queue's Redis is away: parked messages come back on their own delay.
      this.log.warn({ err: (error as Error).message }, 'could not wake a message waiting for a drone');
    }
  }
}
