// The Drone Delivery API contract, defined once as zod schemas: HTTP bodies, parameters,
// queue messages, and the input limits every route shares.
export * from './deliveries.ts';
export * from './drones.ts';
export * from './fleet.ts';
export * from './limits.ts';
export * from './operations.ts';
export * from './packages.ts';
export * from './problems.ts';
export * from './requests.ts';
export * from './routes/deliveries.ts';
export * from './routes/drones.ts';
export * from './routes/gateway.ts';
export * from './routes/packages.ts';
export * from './routes/requests.ts';
export * from './routes/route.ts';
export * from './routes/workflow.ts';
export * from './samples.ts';
export * from './shared.ts';
export * from './stages.ts';
