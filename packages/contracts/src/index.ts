// The Drone Delivery API contract (see shared/spec/api.md), defined once as zod schemas.
export * from './deliveries.ts';
export * from './drones.ts';
export * from './packages.ts';
export * from './requests.ts';
export * from './shared.ts';
