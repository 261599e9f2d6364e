// HTTP routes of the dronescheduler: the declared routes, served by calling the scheduler
// (assignments) and the fleet operations (the fleet view, faults, repairs).
import { Problem, droneRoutes as routes } from '@dronedelivery/contracts';
import { NotFound, type ServiceInstance, serve } from '@dronedelivery/service-kit';
import type { FleetOperations } from './fleet-operations.ts';
import type { Scheduler } from './scheduler.ts';

const problems = { 400: Problem, 404: Problem, 409: Problem, 422: Problem, 503: Problem };

export function registerRoutes(app: ServiceInstance, scheduler: Scheduler, fleet: FleetOperations): void {
  serve(app, routes.assign, problems, async (request) => scheduler.assign(request.params.deliveryId, request.body));

  serve(app, routes.assignment, problems, async (request) => {
    const { deliveryId } = request.params;
    const found = await scheduler.assignmentOf(deliveryId);
    if (!found) throw new NotFound(`No drone is assigned to delivery ${deliveryId}.`);
    return { ...found.assignment, deliveryId, ownerId: found.ownerId };
  });

  serve(app, routes.release, problems, async (request, reply) => {
    await scheduler.release(request.params.deliveryId);
    return reply.code(204).send(null);
  });

  serve(app, routes.utilization, problems, async (request) => {
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
  });

  serve(app, routes.fleet, problems, async (request) => fleet.view(request.query.state));

  serve(app, routes.fault, problems, async (request) => fleet.reportFault(request.params.droneId, request.body));

  serve(app, routes.repair, problems, async (request) => fleet.repair(request.params.droneId));
}
