// The dronescheduler's settings, read once from the environment.
import { serviceAreaSetting } from '@dronedelivery/geo';
import { baseConfigSchema } from '@dronedelivery/service-kit';
import { z } from 'zod';
import { DEFAULT_FLEET, Fleet } from './fleet.ts';

const count = z.coerce.number().int().min(0);

export const configSchema = baseConfigSchema.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(8084),
  /** Azure Cosmos DB for NoSQL account endpoint. Unset: an in-memory store (data lost on exit). */
  COSMOS_ENDPOINT: z.url().optional(),
  /** Account key. Unset: Microsoft Entra ID through DefaultAzureCredential (workload identity on AKS). */
  COSMOS_KEY: z.string().min(1).optional(),
  COSMOS_DATABASE: z.string().min(1).default('dronescheduler'),
  /** SDK retries of throttled (429) requests, each after the server's retry-after. */
  COSMOS_MAX_RETRY_ATTEMPTS: count.default(9),
  COSMOS_MAX_RETRY_WAIT_SECONDS: count.default(30),
  COSMOS_CONNECT_ATTEMPTS: count.min(1).default(10),
  /** The fleet as a JSON array of {id, base:{latitude,longitude}, cruiseSpeedMph, payload:{maxSize,maxWeightKg}}. */
  FLEET_JSON: z
    .string()
    .transform((text, context) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        context.addIssue({ code: 'custom', message: 'is not valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(Fleet)
    .default(DEFAULT_FLEET),
  /**
   * The planned world's time scale: every planned flight (base to pickup, to dropoff, back to
   * base) takes 1/SIMULATION_SPEED of its real time. 1 is real time; 600 flies ten minutes in one second.
   */
  SIMULATION_SPEED: z.coerce.number().positive().max(10_000).default(1),
  /** Where address labels are placed: "south,west,north,east" in degrees. */
  SERVICE_AREA: serviceAreaSetting,
});

export type Config = z.infer<typeof configSchema>;
