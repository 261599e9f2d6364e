// The stage machine and time-driven progress, as pure functions on a known timetable.
import type { DeliveryStage } from '@dronedelivery/contracts';
import { describe, expect, it } from 'vitest';
import {
  cancel,
  canMove,
  confirm,
  type DeliveryRecord,
  eventsOf,
  fail,
  InvalidTransition,
  progress,
  requestNotification,
  reschedule,
  type ScheduledDelivery,
  schedule,
  statusOf,
} from '../src/domain.ts';
import { at, base, deliveryBody, dropoff, pickup, times } from './fixtures.ts';

const RETENTION = 7 * 24 * 3600 * 1000;
const beforeDeparture = at('2026-11-20T09:30:00.000Z');
const confirmation = { confirmedAt: times.deliveryEta, geoCoordinates: { ...dropoff }, confirmationType: 'None' as const };

function scheduled(): ScheduledDelivery {
  return schedule('d-1', deliveryBody(), undefined, times.scheduled).result.delivery;
}

function inStage(stage: DeliveryStage): ScheduledDelivery {
  return { ...scheduled(), stage };
}

describe('the stage table', () => {
  const allowed: [DeliveryStage, DeliveryStage][] = [
    ['Created', 'Rescheduled'],
    ['Created', 'HeadedToPickup'],
    ['Created', 'Cancelled'],
    ['Rescheduled', 'Rescheduled'],
    ['Rescheduled', 'HeadedToPickup'],
    ['Rescheduled', 'Cancelled'],
    ['HeadedToPickup', 'HeadedToDropoff'],
    ['HeadedToPickup', 'Completed'],
    ['HeadedToPickup', 'Cancelled'],
    ['HeadedToDropoff', 'Completed'],
    ['HeadedToDropoff', 'Cancelled'],
  ];
  const stages: DeliveryStage[] = ['Created', 'Rescheduled', 'HeadedToPickup', 'HeadedToDropoff', 'Completed', 'Cancelled'];

  it.each(stages.flatMap((from) => stages.map((to) => [from, to] as const)))('%s → %s', (from, to) => {
    expect(canMove(from, to)).toBe(allowed.some(([a, b]) => a === from && b === to));
  });
});

describe('progress with time', () => {
  it.each([
    ['before departure', '2026-11-20T09:59:59.999Z', 'Created', []],
    ['at departure', times.departure, 'HeadedToPickup', ['HeadedToPickup']],
    ['between departure and pickup', '2026-11-20T10:05:00.000Z', 'HeadedToPickup', ['HeadedToPickup']],
    ['at pickup', times.pickupEta, 'HeadedToDropoff', ['HeadedToPickup', 'HeadedToDropoff']],
    ['long after delivery ETA, unconfirmed', '2026-11-21T00:00:00.000Z', 'HeadedToDropoff', ['HeadedToPickup', 'HeadedToDropoff']],
  ])('%s', (_name, now, stage, pending) => {
    const result = progress(scheduled(), at(now));
    expect(result.stage).toBe(stage);
    expect(result.pending.map((event) => event.stage)).toEqual(pending);
  });

  it('dates derived events at their scheduled instants, where the drone was', () => {
    const { pending } = progress(scheduled(), at('2026-11-20T11:00:00.000Z'));
    expect(pending[0]).toEqual({ stage: 'HeadedToPickup', at: times.departure, location: base });
    expect(pending[1]?.at).toBe(times.pickupEta);
    expect(pending[1]?.location?.latitude).toBeCloseTo(pickup.latitude, 9);
    expect(pending[1]?.location?.longitude).toBeCloseTo(pickup.longitude, 9);
  });

  it('does not move a finished delivery', () => {
    expect(progress(inStage('Cancelled'), at('2026-11-21T00:00:00.000Z'))).toEqual({ stage: 'Cancelled', pending: [] });
    expect(progress(inStage('Completed'), at('2026-11-21T00:00:00.000Z'))).toEqual({ stage: 'Completed', pending: [] });
  });
});

describe('status', () => {
  it.each([
    ['at the base before departure', '2026-11-20T09:00:00.000Z', 'Created', base],
    ['halfway to the pickup', '2026-11-20T10:05:00.000Z', 'HeadedToPickup', { latitude: 47.61, longitude: -122.34 }],
    ['at the pickup', times.pickupEta, 'HeadedToDropoff', pickup],
    ['a third of the way to the dropoff', '2026-11-20T10:15:00.000Z', 'HeadedToDropoff', { latitude: 47.63, longitude: -122.3333 }],
    ['at the dropoff after the ETA', '2026-11-20T12:00:00.000Z', 'HeadedToDropoff', dropoff],
  ])('%s', (_name, now, stage, expected) => {
    const status = statusOf('d-1', scheduled(), at(now));
    expect(status.stage).toBe(stage);
    expect(status.pickupEta).toBe(times.pickupEta);
    expect(status.deliveryEta).toBe(times.deliveryEta);
    // Great-circle and straight-line midpoints agree to ~1e-4 degrees over a few miles.
    expect(status.lastKnownLocation?.latitude).toBeCloseTo(expected.latitude, 3);
    expect(status.lastKnownLocation?.longitude).toBeCloseTo(expected.longitude, 3);
  });

  it('reports where the confirmation was made once completed', () => {
    const completed = confirm(
      'd-1',
      { ...confirmation, geoCoordinates: { latitude: 47.651, longitude: -122.301 } },
      scheduled(),
      at(times.deliveryEta),
      RETENTION,
    );
    expect(statusOf('d-1', completed.result, at('2026-11-22T00:00:00.000Z'))).toMatchObject({
      stage: 'Completed',
      lastKnownLocation: { latitude: 47.651, longitude: -122.301 },
    });
  });
});

describe('commands', () => {
  it('schedule: an identical repeat changes nothing; different details conflict', () => {
    const first = scheduled();
    expect(schedule('d-1', deliveryBody(), first, times.scheduled)).toEqual({ result: { created: false, delivery: first } });
    expect(() => schedule('d-1', deliveryBody({ packageId: 'other' }), first, times.scheduled)).toThrow(
      'already exists with other details',
    );
  });

  it('reschedule: allowed before departure, records the change; refused once the drone has left', () => {
    const moved = reschedule('d-1', { dropoff: 'elsewhere' }, scheduled(), beforeDeparture);
    expect(moved.result).toMatchObject({ stage: 'Rescheduled', dropoff: 'elsewhere' });
    expect(moved.change?.events.map((e) => e.stage)).toEqual(['Rescheduled']);
    expect(reschedule('d-1', { dropoff: 'elsewhere' }, moved.result, beforeDeparture).change).toBeUndefined();
    expect(() => reschedule('d-1', { dropoff: 'x' }, scheduled(), at('2026-11-20T10:01:00.000Z'))).toThrow(
      'Delivery d-1 is HeadedToPickup; it cannot become Rescheduled (the drone has left).',
    );
  });

  it('cancel: records the cancellation with its retention; repeats are no-ops; a completed delivery cannot be cancelled', () => {
    const now = at('2026-11-20T10:05:00.000Z');
    const cancelled = cancel('d-1', scheduled(), now, RETENTION);
    expect(cancelled.change?.record).toMatchObject({ stage: 'Cancelled' });
    expect(cancelled.change?.retainForMs).toBe(RETENTION);
    expect(cancelled.change?.events.map((e) => e.stage)).toEqual(['HeadedToPickup', 'Cancelled']);
    expect(cancelled.change?.index).toEqual({ ownerId: 'owner-a', month: '2026-11', op: 'remove' });
    expect(cancel('d-1', cancelled.change?.record, now, RETENTION).change).toBeUndefined();
    expect(() => cancel('d-1', inStage('Completed'), now, RETENTION)).toThrow(InvalidTransition);
  });

  it('cancel before schedule: remembered, and the later schedule is refused', () => {
    const early = cancel('d-1', undefined, times.scheduled, RETENTION).change?.record as DeliveryRecord;
    expect(early).toMatchObject({ kind: 'cancelled-before-scheduled' });
    expect(() => schedule('d-1', deliveryBody(), early, times.scheduled)).toThrow('Delivery d-1 is Cancelled; it cannot become Created');
  });

  it('confirm: completes from HeadedToDropoff, notifies every channel asked for, keeps the expiry on repeats', () => {
    const asked = requestNotification('d-1', { emailAddress: 'a@example.com', sms: '+14255550100' }, scheduled(), beforeDeparture).change
      ?.record as ScheduledDelivery;
    const done = confirm('d-1', confirmation, asked, at('2026-11-20T10:26:00.000Z'), RETENTION);
    expect(done.result.stage).toBe('Completed');
    expect(done.change?.events.map((e) => e.stage)).toEqual(['HeadedToPickup', 'HeadedToDropoff', 'Completed']);
    expect(done.change?.notifications.map((n) => [n.channel, n.address, n.stage])).toEqual([
      ['email', 'a@example.com', 'Completed'],
      ['sms', '+14255550100', 'Completed'],
    ]);
    expect(confirm('d-1', confirmation, done.result, at('2026-11-20T11:00:00.000Z'), RETENTION).change).toBeUndefined();
  });

  it.each([
    ['Cancelled', 'Delivery d-1 is Cancelled; it cannot become Completed.'],
    ['Created', 'Delivery d-1 is Created; it cannot become Completed (the drone has not left for the pickup yet).'],
  ] as const)('confirm from %s is a conflict naming both stages', (stage, message) => {
    expect(() => confirm('d-1', confirmation, inStage(stage), beforeDeparture, RETENTION)).toThrow(message);
  });

  it('notify-me: a repeat is a no-op; refused once finished', () => {
    const once = requestNotification('d-1', { emailAddress: 'a@example.com' }, scheduled(), beforeDeparture).change
      ?.record as ScheduledDelivery;
    expect(requestNotification('d-1', { emailAddress: 'a@example.com' }, once, beforeDeparture).change).toBeUndefined();
    expect(() => requestNotification('d-1', { sms: '+14255550100' }, inStage('Completed'), beforeDeparture)).toThrow(
      'nothing left to notify',
    );
  });

  it('fail: ends a delivery in flight Rejected (drone-fault) where the drone stopped, after the stages it reached; repeats are no-ops', () => {
    const failure = { reason: 'drone-fault' as const, message: 'drone-1 failed', at: '2026-11-20T10:05:00.000Z', location: { ...pickup } };
    // Recorded ten minutes after the fault: the stages a later clock would add are not the delivery's.
    const now = at('2026-11-20T10:15:00.000Z');
    const failed = fail('d-1', failure, scheduled(), now, RETENTION);
    expect(failed.result).toMatchObject({ stage: 'Rejected', reason: 'drone-fault', message: 'drone-1 failed' });
    expect(failed.change?.events).toEqual([
      expect.objectContaining({ stage: 'HeadedToPickup', at: times.departure }),
      { stage: 'Rejected', at: failure.at, location: { ...pickup }, reason: 'drone-fault', message: 'drone-1 failed' },
    ]);
    // It leaves its owner's month, like a cancel, and is forgotten after the retention.
    expect(failed.change?.index).toEqual({ ownerId: 'owner-a', month: '2026-11', op: 'remove' });
    expect(failed.change?.retainForMs).toBe(RETENTION);
    expect(fail('d-1', failure, failed.result, at('2026-11-20T11:00:00.000Z'), RETENTION).change).toBeUndefined();
    const status = statusOf('d-1', failed.result, at('2026-11-20T10:30:00.000Z'));
    expect(status).toMatchObject({ stage: 'Rejected', lastKnownLocation: { ...pickup }, reason: 'drone-fault', message: 'drone-1 failed' });
  });

  it.each([
    ['Completed', InvalidTransition],
    ['Cancelled', InvalidTransition],
  ] as const)('fail: a %s delivery is a conflict', (stage, error) => {
    const failure = { reason: 'drone-fault' as const, message: 'm', at: times.departure, location: { ...pickup } };
    expect(() => fail('d-1', failure, inStage(stage), beforeDeparture, RETENTION)).toThrow(error);
    expect(() => fail('d-1', failure, undefined, beforeDeparture, RETENTION)).toThrow('There is no delivery d-1.');
  });

  it('events: recorded ones, then those time has produced since', () => {
    const recorded = [{ stage: 'Created' as const, at: times.scheduled.toISOString() }];
    expect(eventsOf('d-1', scheduled(), recorded, at('2026-11-20T10:30:00.000Z')).map((e) => e.stage)).toEqual([
      'Created',
      'HeadedToPickup',
      'HeadedToDropoff',
    ]);
  });
});
