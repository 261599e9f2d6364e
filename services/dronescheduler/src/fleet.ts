// The drone fleet: each drone's home base, cruise speed and what it can carry. Configured
// with FLEET_JSON; the default is a dozen drones around Seattle.
import { Coordinates, Identifier, PackageSize } from '@dronedelivery/contracts';
import { z } from 'zod';

export const Drone = z.object({
  id: Identifier,
  base: Coordinates,
  cruiseSpeedMph: z.number().positive().max(200),
  /** The largest package size the drone takes, and the most weight in total. */
  payload: z.object({ maxSize: PackageSize, maxWeightKg: z.number().positive().max(100) }),
});

export const Fleet = z
  .array(Drone)
  .min(1)
  .refine((drones) => new Set(drones.map((d) => d.id)).size === drones.length, 'drone ids must be unique');

export type Drone = z.infer<typeof Drone>;

const bases = {
  downtown: { latitude: 47.6062, longitude: -122.3321 },
  ballard: { latitude: 47.6687, longitude: -122.3847 },
  georgetown: { latitude: 47.548, longitude: -122.3212 },
};

const classes = {
  light: { maxSize: 'Small', maxWeightKg: 2.5 },
  standard: { maxSize: 'Medium', maxWeightKg: 10 },
  heavy: { maxSize: 'Large', maxWeightKg: 25 },
} as const;

/** Three bases, four drones each: a fast light drone, two standard ones and a slow heavy lifter. */
export const DEFAULT_FLEET: Drone[] = Object.entries(bases).flatMap(([name, base], b) =>
  [
    { id: `drone-${b * 4 + 1}`, base, cruiseSpeedMph: 60, payload: { ...classes.light } },
    { id: `drone-${b * 4 + 2}`, base, cruiseSpeedMph: 45, payload: { ...classes.standard } },
    { id: `drone-${b * 4 + 3}`, base, cruiseSpeedMph: 40, payload: { ...classes.standard } },
    { id: `drone-${b * 4 + 4}`, base, cruiseSpeedMph: 30, payload: { ...classes.heavy } },
  ].map((drone) => ({ ...drone, id: `${drone.id}-${name}` })),
);
