// What other packages' tests take from the dronescheduler's (@dronedelivery/dronescheduler/testing):
// a Cosmos DB server to run it on, in the test's process or as a process of its own, and the
// bookings read straight from its containers.
export { type CosmosTarget, cosmosClient, cosmosTarget, STAND_IN_KEY, startCosmosServer } from './cosmos-server.ts';
export { type CosmosServerProcess, cosmosServerProcess } from './cosmos-server-process.ts';
export { type StoredBooking, type StoredBookings, storedBookings } from './stored-bookings.ts';
