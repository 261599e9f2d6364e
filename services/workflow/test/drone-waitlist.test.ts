// The drone waitlist on its own: it wakes one parked message per expected return or freed
// drone, only while there is a shortage, and never arms more than the soonest wake-up.
import { capturingLogger } from '@dronedelivery/service-kit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { DroneWaitlist } from '../src/drone-waitlist.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A queue with `parked` delayed messages; counts the wake-ups. */
function parkedQueue(parked: number) {
  const queue = {
    parked,
    wakes: 0,
    async wakeNext() {
      queue.wakes += 1;
      if (queue.parked === 0) return false;
      queue.parked -= 1;
      return true;
    },
  };
  return queue;
}

let waitlist: DroneWaitlist | undefined;
afterEach(() => waitlist?.close());

describe('DroneWaitlist', () => {
  it('does nothing when no delivery has waited: a freed drone costs no call', async () => {
    const queue = parkedQueue(3);
    waitlist = new DroneWaitlist(queue, capturingLogger('workflow').log);
    await waitlist.freed();
    waitlist.failed();
    await sleep(1_100);
    expect(queue.wakes).toBe(0);
  });

  it('wakes one message when a drone is expected back, once, however many deliveries named that time or a later one', async () => {
    const queue = parkedQueue(5);
    waitlist = new DroneWaitlist(queue, capturingLogger('workflow').log);
    const back = Date.now() + 100;
    for (let i = 0; i < 5; i += 1) waitlist.noDrone(back + i * 10);
    await sleep(50);
    expect(queue.wakes).toBe(0);
    await sleep(250);
    expect(queue.wakes).toBe(1);
  });

  it('passes the turn on while capacity frees, and stops looking once nothing is parked', async () => {
    const queue = parkedQueue(1);
    waitlist = new DroneWaitlist(queue, capturingLogger('workflow').log);
    waitlist.noDrone(Date.now() + 60_000);
    await waitlist.freed();
    await waitlist.freed();
    expect(queue.wakes).toBe(2);
    // The second wake-up found nothing parked: the shortage is over, no more calls.
    await waitlist.freed();
    expect(queue.wakes).toBe(2);
  });

  it('after a woken message fails for another reason, wakes the next a second later', async () => {
    const queue = parkedQueue(2);
    waitlist = new DroneWaitlist(queue, capturingLogger('workflow').log);
    waitlist.noDrone(Date.now() + 60_000);
    waitlist.failed();
    await sleep(1_300);
    expect(queue.wakes).toBe(1);
  });
});
