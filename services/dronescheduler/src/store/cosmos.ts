// SchedulerStore on Azure Cosmos DB for NoSQL (@azure/cosmos). Containers and partition keys:
//   drones       /id       a drone, its reservations and its fault; replaced with If-Match on its ETag
//   assignments  /id       one per delivery id: the answer a retry gets back
//   utilization  /ownerId  one per delivery: miles and hours, summed per owner month in one partition
// 429s are retried by the SDK after the server's retry-after; if they persist the caller
// gets 503 with that delay. Every response's request charge (RU) is reported.

import type { Agent } from 'node:https';
import {
  type Container,
  type ContainerRequest,
  CosmosClient,
  type CosmosClientOptions,
  type Database,
  ErrorResponse,
  type SqlQuerySpec,
} from '@azure/cosmos';
import { connectWithRetry, type Logger, Unavailable } from '@dronedelivery/service-kit';
import type { Config } from '../config.ts';
import type { DroneState, Reservation, StoredFault } from '../domain.ts';
import type { Drone } from '../fleet.ts';
import type { AssignmentRecord, ChargeObserver, SchedulerStore, UsageTotals } from './store.ts';

export type CosmosSettings = Pick<
  Config,
  'COSMOS_KEY' | 'COSMOS_DATABASE' | 'COSMOS_MAX_RETRY_ATTEMPTS' | 'COSMOS_MAX_RETRY_WAIT_SECONDS' | 'COSMOS_CONNECT_ATTEMPTS'
> & {
  COSMOS_ENDPOINT: string;
};

export const CONTAINERS: Record<'drones' | 'assignments' | 'utilization', ContainerRequest & { id: string }> = {
  drones: { id: 'drones', partitionKey: { paths: ['/id'] } },
  assignments: { id: 'assignments', partitionKey: { paths: ['/id'] } },
  utilization: { id: 'utilization', partitionKey: { paths: ['/ownerId'] } },
};

interface DroneDocument extends Drone {
  reservations: Reservation[];
  /** Absent (or null) while the drone is in service. */
  fault?: StoredFault | null;
  _etag?: string;
}

interface AssignmentDocument extends AssignmentRecord {
  id: string;
}

interface UtilizationDocument {
  id: string;
  ownerId: string;
  month: string;
  miles: number;
  hours: number;
}

/**
 * The invoicing query: one owner's month, answered inside that owner's partition. Aggregates
 * as named columns, not inside a `SELECT VALUE { … }` object literal: that form is refused
 * (400) by @vercel/cosmosdb-server, which the tests run against, and the columns are the
 * form Cosmos DB documents for several aggregates in one query.
 */
export function usageQuery(ownerId: string, month: string): { query: SqlQuerySpec; partitionKey: string } {
  return {
    query: {
      query:
        'SELECT SUM(c.miles) AS miles, SUM(c.hours) AS hours, COUNT(1) AS deliveries FROM c WHERE c.ownerId = @ownerId AND c.month = @month',
      parameters: [
        { name: '@ownerId', value: ownerId },
        { name: '@month', value: month },
      ],
    },
    partitionKey: ownerId,
  };
}

export function isStatus(error: unknown, code: number): boolean {
  return error instanceof ErrorResponse && Number(error.code) === code;
}

/** Maps what Cosmos DB can say to what a caller should do about it. */
export function translateCosmosError(error: unknown): unknown {
  if (isStatus(error, 429)) {
    const retryAfterMs = (error as ErrorResponse).retryAfterInMs ?? 1000;
    return new Unavailable('The drone store is throttling requests; retry shortly.', Math.max(1, Math.ceil(retryAfterMs / 1000)));
  }
  if (error instanceof ErrorResponse && Number(error.code) >= 400 && Number(error.code) < 500) return error;
  return new Unavailable('The drone store cannot be reached; retry shortly.', 5);
}

/**
 * The SDK's createIfNotExists reads, and creates on a 404: another replica starting at the same
 * moment can create it in between, and then the create answers 409. What that replica created
 * is what was wanted, so the conflict means done (without this a replica failed to start).
 */
async function createIfMissing(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (error) {
    if (!isStatus(error, 409)) throw error;
  }
}

type TokenCredential = NonNullable<CosmosClientOptions['aadCredentials']>;

/**
 * Microsoft Entra ID's DefaultAzureCredential (workload identity on AKS), its library loaded at
 * the first token request: a store that signs with a key (the emulator, a developer's account)
 * never loads @azure/identity, which is about as big as the Cosmos DB SDK itself.
 */
function entraIdCredential(): TokenCredential {
  let credential: Promise<TokenCredential> | undefined;
  return {
    async getToken(scopes, options) {
      credential ??= import('@azure/identity').then(({ DefaultAzureCredential }) => new DefaultAzureCredential());
      return (await credential).getToken(scopes, options);
    },
  };
}

export class CosmosSchedulerStore implements SchedulerStore {
  private readonly settings: CosmosSettings;
  private readonly log: Logger;
  private readonly client: CosmosClient;
  private readonly database: Database;
  private readonly containers: { drones: Container; assignments: Container; utilization: Container };
  private observeCharge: ChargeObserver = () => {};

  /**
   * `client` replaces the SDK client (tests of what no server shows); `agent` is the HTTPS
   * agent the client connects through (a test server's certificate, trusted for that client only).
   */
  constructor(settings: CosmosSettings, log: Logger, options: { client?: CosmosClient; agent?: Agent } = {}) {
    this.settings = settings;
    this.log = log;
    const retryOptions = {
      maxRetryAttemptCount: settings.COSMOS_MAX_RETRY_ATTEMPTS,
      maxWaitTimeInSeconds: settings.COSMOS_MAX_RETRY_WAIT_SECONDS,
    };
    this.client =
      options.client ??
      new CosmosClient({
        endpoint: settings.COSMOS_ENDPOINT,
        // A key when one is configured; otherwise Microsoft Entra ID (workload identity on AKS).
        ...(settings.COSMOS_KEY ? { key: settings.COSMOS_KEY } : { aadCredentials: entraIdCredential() }),
        connectionPolicy: { retryOptions },
        userAgentSuffix: 'dronedelivery-dronescheduler',
        ...(options.agent ? { agent: options.agent } : {}),
      });
    this.database = this.client.database(settings.COSMOS_DATABASE);
    this.containers = {
      drones: this.database.container(CONTAINERS.drones.id),
      assignments: this.database.container(CONTAINERS.assignments.id),
      utilization: this.database.container(CONTAINERS.utilization.id),
    };
  }

  /** Reports the request units each operation consumed (wired to a metric by the app). */
  onRequestCharge(observer: ChargeObserver): void {
    this.observeCharge = observer;
  }

  async start(fleet: Drone[]): Promise<void> {
    await connectWithRetry(() => createIfMissing(() => this.client.databases.createIfNotExists({ id: this.settings.COSMOS_DATABASE })), {
      name: 'Cosmos DB',
      attempts: this.settings.COSMOS_CONNECT_ATTEMPTS,
      initialDelayMs: 1_000,
      log: this.log,
    });
    for (const definition of Object.values(CONTAINERS)) await createIfMissing(() => this.database.containers.createIfNotExists(definition));
    for (const drone of fleet) await this.seed(drone);
  }

  /** Adds a configured drone, or updates its definition, keeping its reservations; an unchanged drone is not written. */
  private async seed(drone: Drone): Promise<void> {
    for (;;) {
      const known = await this.drone(drone.id);
      if (known && sameDefinition(known.drone, drone)) return;
      const document: DroneDocument = { ...drone, reservations: known?.reservations ?? [], fault: known?.fault ?? null };
      try {
        if (!known) {
          await this.measure('seed drone', () => this.containers.drones.items.create(document));
        } else {
          await this.measure('seed drone', () =>
            this.containers.drones
              .item(drone.id, drone.id)
              .replace(document, { accessCondition: { type: 'IfMatch', condition: known.version } }),
          );
        }
        return;
      } catch (error) {
        if (!isStatus(error, 409) && !isStatus(error, 412)) throw translateCosmosError(error);
      }
    }
  }

  async drones(): Promise<DroneState[]> {
    const { resources } = await this.measure('list drones', () =>
      this.containers.drones.items.query<DroneDocument>('SELECT * FROM c').fetchAll(),
    );
    return resources.map(toState);
  }

  async drone(id: string): Promise<DroneState | undefined> {
    const { resource } = await this.measure('read drone', () => this.containers.drones.item(id, id).read<DroneDocument>());
    return resource ? toState(resource) : undefined;
  }

  async replaceReservations(state: DroneState, reservations: Reservation[]): Promise<boolean> {
    // The fault as read: the ETag guarantees it is still the stored one.
    return this.replace('reserve drone', state, { ...state.drone, reservations, fault: state.fault ?? null });
  }

  async replaceFault(state: DroneState, fault: StoredFault | undefined, reservations: Reservation[]): Promise<boolean> {
    return this.replace('record drone fault', state, { ...state.drone, reservations, fault: fault ?? null });
  }

  private async replace(operation: string, state: DroneState, document: DroneDocument): Promise<boolean> {
    const { id } = state.drone;
    try {
      await this.measure(operation, () =>
        this.containers.drones
          .item(id, id)
          .replace<DroneDocument>(document, { accessCondition: { type: 'IfMatch', condition: state.version } }),
      );
      return true;
    } catch (error) {
      // 412: another booking replaced the drone since it was read.
      if (isStatus(error, 412)) return false;
      throw error;
    }
  }

  async getAssignment(deliveryId: string): Promise<AssignmentRecord | undefined> {
    const { resource } = await this.measure('read assignment', () =>
      this.containers.assignments.item(deliveryId, deliveryId).read<AssignmentDocument>(),
    );
    if (!resource) return undefined;
    const { deliveryId: id, ownerId, requestKey, assignment, usage } = resource;
    return { deliveryId: id, ownerId, requestKey, assignment, usage };
  }

  async putAssignment(record: AssignmentRecord): Promise<void> {
    const utilization: UtilizationDocument = { id: record.deliveryId, ownerId: record.ownerId, ...record.usage };
    // Usage first, then the assignment: a retry after a crash in between rewrites both.
    await this.measure('record utilization', () => this.containers.utilization.items.upsert(utilization));
    await this.measure('record assignment', () =>
      this.containers.assignments.items.upsert<AssignmentDocument>({ id: record.deliveryId, ...record }),
    );
  }

  async deleteAssignment(record: AssignmentRecord): Promise<void> {
    for (const [container, partitionKey] of [
      [this.containers.utilization, record.ownerId],
      [this.containers.assignments, record.deliveryId],
    ] as const) {
      try {
        await this.measure('delete assignment', () => container.item(record.deliveryId, partitionKey).delete());
      } catch (error) {
        if (!isStatus(error, 404)) throw error;
      }
    }
  }

  async usage(ownerId: string, month: string): Promise<UsageTotals> {
    const { query, partitionKey } = usageQuery(ownerId, month);
    const { resources } = await this.measure('utilization query', () =>
      this.containers.utilization.items.query<Partial<UsageTotals>>(query, { partitionKey }).fetchAll(),
    );
    const [totals] = resources;
    return { miles: totals?.miles ?? 0, hours: totals?.hours ?? 0, deliveries: totals?.deliveries ?? 0 };
  }

  async ping(signal: AbortSignal): Promise<void> {
    await this.measure('ping', () => this.database.read({ abortSignal: signal }));
  }

  async close(): Promise<void> {
    this.client.dispose();
  }

  private async measure<T extends { requestCharge?: number }>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      const response = await call();
      if (response.requestCharge) this.observeCharge(operation, response.requestCharge);
      return response;
    } catch (error) {
      throw isStatus(error, 404) || isStatus(error, 409) || isStatus(error, 412) ? error : translateCosmosError(error);
    }
  }
}

/** Whether a stored drone has the configured definition (compared as Cosmos DB stores it: JSON). */
function sameDefinition(stored: Drone, configured: Drone): boolean {
  const { id, base, cruiseSpeedMph, payload } = configured;
  return JSON.stringify(stored) === JSON.stringify({ id, base, cruiseSpeedMph, payload });
}

function toState(document: DroneDocument): DroneState {
  const { reservations, id, base, cruiseSpeedMph, payload, fault, _etag } = document;
  return { drone: { id, base, cruiseSpeedMph, payload }, reservations, ...(fault ? { fault } : {}), version: _etag ?? '' };
}
