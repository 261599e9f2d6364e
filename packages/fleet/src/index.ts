// The system as the tests and tools start it, from the one list of its units
// (@dronedelivery/system): no list of services here or in any tool. In this process
// (@dronedelivery/embedded's startSystem, on free ports), or each unit as processes of its
// own (the kit's ProcessGroup), wired to each other through their URL variables; and the
// servers they need (a private redis-server, the MongoDB-protocol server).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunningSystem, type SystemOptions, startSystem } from '@dronedelivery/embedded';
import { RedisServerProcess } from '@dronedelivery/redis/testing';
import { freePort, type ProcessGroup, type ServiceOptions, type StartedService, waitForPort } from '@dronedelivery/service-kit/testing';
import { UNIT_NAMES, type UnitName, unitNamed, urlVariable } from '@dronedelivery/system';

export type { RunningSystem, StartedService };
export { UNIT_NAMES, type UnitName };

const repository = fileURLToPath(new URL('../../../', import.meta.url));

/** A unit's process entry point: `<its folder>/src/main.ts`. */
export const unitEntry = (name: UnitName): string => join(repository, unitNamed(name).folder, 'src/main.ts');

/** The variables through which units find each other (`DELIVERY_URL`...), for the units given. */
export function upstreamVariables(urls: Partial<Record<UnitName, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(urls).map(([name, url]) => [urlVariable(name as UnitName), url as string]));
}

/** Free loopback ports, one for each unit. */
async function freePorts<N extends UnitName>(units: readonly N[]): Promise<Record<N, number>> {
  return Object.fromEntries(await Promise.all(units.map(async (name) => [name, await freePort()] as const))) as Record<N, number>;
}

/**
 * The whole system in this process, every unit on a free loopback port. Without the drone
 * simulator unless `without` says otherwise: most suites confirm their own deliveries.
 */
export async function startInProcess(options: Omit<SystemOptions, 'ports'>): Promise<RunningSystem> {
  return startSystem({ without: ['simulator'], ...options, ports: await freePorts(UNIT_NAMES) });
}

/** How to start a unit: the kit's service options, and another entry point than its sources' (a compiled one). */
export interface UnitOptions extends ServiceOptions {
  entry?: string;
}

/** One unit as a process of its own (one replica), resolved once ready. */
export function startUnit(group: ProcessGroup, name: UnitName, { entry, ...options }: UnitOptions = {}): Promise<StartedService> {
  return group.service(entry ?? unitEntry(name), { name, ...options });
}

export interface ProcessFleetOptions<N extends UnitName> {
  /** The units to start (default: every one). */
  units?: readonly N[];
  /** Settings for every unit: each reads those its configuration knows... */
  env?: Record<string, string>;
  /** ...and a unit's own, over those (REDIS_URL means a different server to different units). */
  envFor?: Partial<Record<N, Record<string, string>>>;
  /** A unit's process options: CPUs, node arguments, log file, entry point... */
  optionsFor?: Partial<Record<N, UnitOptions>>;
}

export interface ProcessFleet<N extends UnitName> {
  urls: Record<N, string>;
  processes: Record<N, StartedService>;
}

/**
 * The units, each a process on a free port, told where the others are (`<UNIT>_URL`), started
 * together and resolved once every one is ready; if one fails to start, so does this (with its
 * words), and stopping the group ends the rest.
 */
export async function startProcessFleet<N extends UnitName = UnitName>(
  group: ProcessGroup,
  options: ProcessFleetOptions<N> = {},
): Promise<ProcessFleet<N>> {
  const units = (options.units ?? UNIT_NAMES) as readonly N[];
  const ports = await freePorts(units);
  const urls = Object.fromEntries(units.map((name) => [name, `http://127.0.0.1:${ports[name]}`])) as Record<N, string>;
  const upstreams = upstreamVariables(urls);
  const started = await Promise.all(
    units.map((name) =>
      startUnit(group, name, {
        ...options.optionsFor?.[name],
        port: ports[name],
        env: { ...upstreams, ...options.env, ...options.envFor?.[name], ...options.optionsFor?.[name]?.env },
      }),
    ),
  );
  return { urls, processes: Object.fromEntries(units.map((name, i) => [name, started[i]])) as Record<N, StartedService> };
}

export interface RedisOptions {
  /** An append-only file with appendfsync everysec, as production runs it (default); false: memory only. */
  aof?: boolean;
  cores?: number[];
}

/** A private redis-server in the group: stopped with it, its data directory removed after. */
export async function startRedis(group: ProcessGroup, options: RedisOptions = {}): Promise<RedisServerProcess> {
  const dir = options.aof === false ? undefined : mkdtempSync(join(tmpdir(), 'fleet-redis-'));
  if (dir) group.defer(() => rmSync(dir, { recursive: true, force: true }));
  const redis = new RedisServerProcess(await freePort(), dir, 'everysec', { group, ...(options.cores ? { cores: options.cores } : {}) });
  await redis.start();
  return redis;
}

export interface MongoServer {
  url: string;
  /** "FerretDB on SQLite", or the URL without its credentials. */
  description: string;
}

/** The MongoDB-protocol server: MONGODB_URL, or a FerretDB of the group's (FERRETDB_BIN or .tools/bin/ferretdb); undefined if neither. */
export async function mongoServer(group: ProcessGroup): Promise<MongoServer | undefined> {
  const given = process.env.MONGODB_URL;
  if (given) return { url: given, description: `\`${given.replace(/\/\/[^@]*@/, '//')}\`` };
  const binary = process.env.FERRETDB_BIN ?? join(repository, '.tools/bin/ferretdb');
  if (!existsSync(binary)) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'fleet-ferretdb-'));
  group.defer(() => rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  group.spawn(binary, ['-listen', `127.0.0.1:${port}`, '-dir', `${dir}/`], { name: 'ferretdb' });
  await waitForPort(port, 20_000);
  return { url: `mongodb://127.0.0.1:${port}/`, description: 'FerretDB on SQLite' };
}
