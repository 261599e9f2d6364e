// The dronescheduler's routes.
import { z } from 'zod';
import {
  DroneAssignment,
  DroneAssignmentRequest,
  DroneAssignmentView,
  DroneDeliveryIdParams,
  Utilization,
  UtilizationQuery,
} from '../drones.ts';
import { DroneFault, DroneIdParams, FaultOutcome, FleetDrone, FleetQuery, FleetView } from '../fleet.ts';
import { route } from './route.ts';

export const droneRoutes = {
  assign: route('PUT', '/api/dronedeliveries/:deliveryId', {
    summary:
      'Assign a drone to a delivery (internal). A retry gets the same assignment; a changed request re-plans. 409 + Retry-After when no drone is free; 422 when none can carry the load.',
    tags: ['internal'],
    params: DroneDeliveryIdParams,
    body: DroneAssignmentRequest,
    response: { 200: DroneAssignment },
  }),
  assignment: route('GET', '/api/dronedeliveries/:deliveryId', {
    summary: "A delivery's drone assignment (internal; the gateway's details view reads it).",
    tags: ['internal'],
    params: DroneDeliveryIdParams,
    response: { 200: DroneAssignmentView },
  }),
  release: route('DELETE', '/api/dronedeliveries/:deliveryId', {
    summary: "Release a delivery's drone and forget its usage (internal). Idempotent.",
    tags: ['internal'],
    params: DroneDeliveryIdParams,
    response: { 204: z.null() },
  }),
  utilization: route('GET', '/api/dronedeliveries/utilization', {
    summary: "Miles flown and hours booked for an owner's deliveries in a calendar month (UTC), for invoicing.",
    tags: ['public'],
    querystring: UtilizationQuery,
    response: { 200: Utilization },
  }),
  fleet: route('GET', '/api/drones', {
    summary: 'Every drone with its state (idle, flying, faulted) and the flight it is on, and a summary (internal).',
    tags: ['internal'],
    querystring: FleetQuery,
    response: { 200: FleetView },
  }),
  fault: route('POST', '/api/drones/:droneId/faults', {
    summary:
      'A drone failed: take it out of service and release what it had booked; answers which deliveries that ended (internal). Idempotent.',
    tags: ['internal'],
    params: DroneIdParams,
    body: DroneFault,
    response: { 200: FaultOutcome },
  }),
  repair: route('POST', '/api/drones/:droneId/repairs', {
    summary: 'Return a faulted drone to service (internal). Idempotent.',
    tags: ['internal'],
    params: DroneIdParams,
    response: { 200: FleetDrone },
  }),
};
