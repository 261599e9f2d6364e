// How a failed call becomes a queue outcome: a backend down for everyone delays the message
// without spending an attempt, and the delays of a backlog are spread, not all due at once.
import { RetryLater } from '@dronedelivery/queue';
import { UpstreamError } from '@dronedelivery/service-kit';
import { describe, expect, it } from 'vitest';
import { asQueueOutcome } from '../src/backends.ts';

describe('asQueueOutcome', () => {
  const open = new UpstreamError('package', 'circuit-open', 'circuit open', { retryAfterMs: 10_000 });

  it('delays a message for one to two times the pause of an open circuit', () => {
    expect((asQueueOutcome(open, () => 0) as RetryLater).delayMs).toBe(10_000);
    expect((asQueueOutcome(open, () => 0.999) as RetryLater).delayMs).toBe(19_990);
  });

  it('spreads a backlog over the window instead of bringing it back in one instant', () => {
    const delays = new Set(Array.from({ length: 200 }, () => (asQueueOutcome(open) as RetryLater).delayMs));
    expect(delays.size).toBeGreaterThan(150);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(10_000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(20_000);
  });

  it('leaves a failure of this request (the backend answered) to spend an attempt', () => {
    const answered = new UpstreamError('package', 'status', 'package answered 500', { status: 500 });
    expect(asQueueOutcome(answered)).toBe(answered);
    expect(asQueueOutcome(answered)).not.toBeInstanceOf(RetryLater);
  });
});
