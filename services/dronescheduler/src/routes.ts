// HTTP routes of the dronescheduler: validate, call the scheduler, map to HTTP.
import {
  DroneAssignment,
  DroneAssignmentRequest,
  DroneAssignmentView,
  DroneDeliveryIdParams,
  Problem,
  Utilization,
  UtilizationQuery,
} from '@dronedelivery/contracts';
import { NotFound, type ServiceInstance } from '@dronedelivery/service-kit';
import { z } from 'zod';
import type { Scheduler } from './scheduler.ts';

const problems = { 400: Problem, 404: Problem, 409: Problem, 422: Problem, 503: Problem };

export function registerRoutes(app: ServiceInstance, scheduler: Scheduler): void {
  app.put(
    '/api/dronedeliveries/:deliveryId',
    {
      schema: {
        summary:
          'Assign a drone to a delivery (internal). A retry gets the same assignment; a changed request re-plans. 409 + Retry-After when no drone is free; 422 when none can carry the load.',
        tags: ['internal'],
        params: DroneDeliveryIdParams,
        body: DroneAssignmentRequest,
        response: { 200: DroneAssignment, ...problems },
      },
    },
    async (request) => scheduler.assign(request.params.deliveryId, request.body),
  );

  app.get(
    '/api/dronedeliveries/:deliveryId',
    {
      schema: {
        summary: "A delivery's drone assignment (internal; the gateway's details view reads it).",
        tags: ['internal'],
        params: DroneDeliveryIdParams,
        response: { 200: DroneAssignmentView, ...problems },
      },
    },
    async (request) => {
      const { deliveryId } = request.params;
      const found = await scheduler.assignmentOf(deliveryId);
      if (!found) throw new NotFound(`No drone is assigned to delivery ${deliveryId}.`);
      return { ...found.assignment, deliveryId, ownerId: found.ownerId };
    },
  );

  app.delete(
    '/api/dronedeliveries/:deliveryId',
    {
      schema: {
        summary: "Release a delivery's drone and forget its usage (internal). Idempotent.",
        tags: ['internal'],
        params: DroneDeliveryIdParams,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await scheduler.release(request.params.deliveryId);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/dronedeliveries/utilization',
    {
      schema: {
        summary: "Miles flown and hours booked for an owner's deliveries in a calendar month (UTC), for invoicing.",
        tags: ['public'],
        querystring: UtilizationQuery,
        response: { 200: Utilization, ...problems },
      },
    },
    async (request) => {
      const { ownerId, year, month } = request.query;
      const totals = await scheduler.usage(ownerId, `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`);
      if (totals.deliveries === 0)
        throw new NotFound(`Owner ${ownerId} has no drone deliveries in ${year}-${String(month).padStart(2, '0')}.`);
      const round = (value: number) => Math.round(value * 100) / 100;
      return {
        ownerId,
        year,
        month,
        traveledMiles: round(totals.miles),
        assignedHours: round(totals.hours),
        deliveries: totals.deliveries,
      };
    },
  );
}
