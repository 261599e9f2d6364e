// A delivery on a known geometry and timetable, shared by the delivery service's tests.
import { SAMPLE_GEOMETRY, SAMPLE_TIMES, sampleDelivery } from '@dronedelivery/contracts';

export const { base, pickup, dropoff } = SAMPLE_GEOMETRY;

/** Departure 10:00, pickup 10:10, dropoff 10:25 (UTC), on 2026-11-20; scheduled an hour before. */
export const times = { scheduled: new Date('2026-11-20T09:00:00.000Z'), ...SAMPLE_TIMES };

/** The contracts' sample scheduled delivery, with `overrides`. */
export const deliveryBody = sampleDelivery;

export const at = (iso: string) => new Date(iso);
