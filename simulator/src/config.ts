// The simulator's settings, read once from the environment: where the gateway is, how the
// simulator proves who it is, how its drones behave, and the customer traffic it may add.
import { serviceAreaSetting } from '@dronedelivery/geo';
import { baseConfigSchema, httpClientConfigSchema } from '@dronedelivery/service-kit';
import { z } from 'zod';

/** The gateway's JWT_ISSUER and JWT_AUDIENCE defaults (gateway/src/config.ts); a test keeps them equal. */
export const GATEWAY_ISSUER = 'https://dronedelivery.local/';
export const GATEWAY_AUDIENCE = 'api://dronedelivery';

const count = z.coerce.number().int().min(0);

export const configSchema = baseConfigSchema
  .extend({
    ...httpClientConfigSchema.shape,
    /** Operations only: probes and metrics. */
    PORT: z.coerce.number().int().min(0).max(65535).default(8087),
    /** The public API; the simulator uses nothing else. */
    GATEWAY_URL: z.url().default('http://127.0.0.1:8080'),
    /** How often the fleet is read, and due drop-offs and faults acted on. */
    POLL_INTERVAL_MS: z.coerce.number().int().min(50, 'must be at least 50 ms: every tick reads the whole flying fleet').default(1_000),
    /**
     * How many times faster than real time the dronescheduler plans flights. Must equal its
     * SIMULATION_SPEED: the simulator follows the planned timestamps, and uses this only to
     * say in simulated time how late a tick can be.
     */
    SIMULATION_SPEED: z.coerce.number().positive().max(10_000).default(1),
    /** The probability, 0..1, that a flight fails on its way (decided once per flight). */
    FAULT_RATE: z.coerce.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1').default(0),
    /** Seeds every random decision (faults, traffic), so that a run can be repeated. */
    SIMULATION_SEED: z.coerce.number().int().min(0).max(0xffffffff).default(1),
    /** A drone-role bearer token from the identity provider, used as it is (it is not renewed). */
    DRONE_TOKEN: z.string().min(1).optional(),
    /**
     * On AKS: the API's scope (api://<application id>/.default). The simulator asks Microsoft
     * Entra ID for drone tokens as its pod's workload identity, which holds the API's drone app
     * role, and renews them before they expire.
     */
    DRONE_TOKEN_SCOPE: z
      .string()
      .regex(/^api:\/\/\S+\/\.default$/, 'must be the API scope, api://<application id>/.default')
      .optional(),
    /** The gateway's HS256 secret (development): the simulator signs its own short-lived tokens. */
    JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    JWT_ISSUER: z.string().min(1).default(GATEWAY_ISSUER),
    JWT_AUDIENCE: z.string().min(1).default(GATEWAY_AUDIENCE),
    /** The claim that carries a customer's owner id, as the gateway's JWT_OWNER_CLAIM. */
    JWT_OWNER_CLAIM: z.string().min(1).default('owner_id'),
    /** For traffic in production: a customer token (its owner asks) or an operator token (the demo owners ask). */
    CUSTOMER_TOKEN: z.string().min(1).optional(),
    /** Deliveries asked for per minute by simulated customers (0: no traffic). */
    TRAFFIC_PER_MINUTE: z.coerce.number().min(0).max(6_000).default(0),
    /** How many customers ask: demo-owner-1..n. */
    TRAFFIC_OWNERS: z.coerce.number().int().min(1).max(1_000).default(3),
    /** At most this many of the simulator's deliveries unfinished at once. */
    TRAFFIC_MAX_OUTSTANDING: count.min(1).default(20),
    /** After this many requests in all, traffic stops. */
    TRAFFIC_MAX_TOTAL: count.default(1_000),
    /** Where pickups and drop-offs are placed: "south,west,north,east", as the other services' SERVICE_AREA. */
    SERVICE_AREA: serviceAreaSetting,
  })
  .refine((config) => [config.DRONE_TOKEN, config.DRONE_TOKEN_SCOPE, config.JWT_SECRET].filter(Boolean).length === 1, {
    message:
      'set exactly one of DRONE_TOKEN (a drone-role token from the identity provider), DRONE_TOKEN_SCOPE (tokens from the workload identity, on AKS) or JWT_SECRET (development: sign our own)',
    path: ['DRONE_TOKEN'],
  })
  .refine((config) => config.TRAFFIC_PER_MINUTE === 0 || Boolean(config.JWT_SECRET || config.CUSTOMER_TOKEN), {
    message:
      'customer traffic needs a customer credential: set CUSTOMER_TOKEN (a customer or operator token), or JWT_SECRET in development; or set TRAFFIC_PER_MINUTE=0',
    path: ['TRAFFIC_PER_MINUTE'],
  });

export type Config = z.infer<typeof configSchema>;
