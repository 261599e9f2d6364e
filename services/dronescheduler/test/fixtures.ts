// A small fleet on a known geometry, shared by the dronescheduler's tests.
import type { DroneAssignmentRequest } from '@dronedelivery/contracts';
import type { Drone } from '../src/fleet.ts';

export const north = { latitude: 47.7, longitude: -122.33 };
export const south = { latitude: 47.5, longitude: -122.33 };
export const pickup = { latitude: 47.66, longitude: -122.33 };
export const dropoff = { latitude: 47.6, longitude: -122.33 };

export const fleet: Drone[] = [
  { id: 'north-slow', base: north, cruiseSpeedMph: 30, payload: { maxSize: 'Medium', maxWeightKg: 10 } },
  { id: 'south-fast', base: south, cruiseSpeedMph: 60, payload: { maxSize: 'Medium', maxWeightKg: 10 } },
  { id: 'north-light', base: north, cruiseSpeedMph: 60, payload: { maxSize: 'Small', maxWeightKg: 2.5 } },
];

export const now = new Date('2030-03-10T09:00:00.000Z');

export function request(overrides: Partial<DroneAssignmentRequest> = {}): DroneAssignmentRequest {
  return {
    ownerId: 'owner-a',
    pickup: { ...pickup },
    dropoff: { ...dropoff },
    pickupTime: '2030-03-10T10:00:00.000Z',
    expedited: false,
    packageDetails: [{ id: 'p-1', size: 'Medium', weight: 5 }],
    ...overrides,
  };
}
