// PackageStore on MongoDB (Azure Cosmos DB for MongoDB in production) with the official
// driver. Writes filter on the shard key (ownerId) so they route to one partition; the
// monthly totals are one single-partition aggregation over an (ownerId, createdAt) index.
import type { Package, PackagePatch } from '@dronedelivery/contracts';
import { connectWithRetry, type Logger, Unavailable } from '@dronedelivery/service-kit';
import { type Collection, MongoClient, MongoError, MongoServerError } from 'mongodb';
import type { Config } from '../config.ts';
import { type PackageFields, PackageOwnedByAnotherOwner, samePackage } from '../domain.ts';
import type { PackageStore, PackageTotals, UpsertOutcome } from './store.ts';

interface PackageDocument {
  _id: string;
  ownerId: string;
  size: Package['size'];
  weight: number;
  tag?: string;
  createdAt: Date;
}

export type MongoSettings = Pick<
  Config,
  | 'MONGODB_DATABASE'
  | 'MONGODB_MAX_POOL_SIZE'
  | 'MONGODB_MIN_POOL_SIZE'
  | 'MONGODB_SERVER_SELECTION_TIMEOUT_MS'
  | 'MONGODB_CONNECT_ATTEMPTS'
  | 'MONGODB_CONNECT_BACKOFF_MS'
> & { MONGODB_URL: string };

const DUPLICATE_KEY = 11000;
/** Cosmos DB for MongoDB answers 16500 (or 429) when the request rate exceeds provisioned throughput. */
const THROTTLED = new Set([16500, 429]);
/** Driver errors that mean "no usable server right now". */
const UNREACHABLE = new Set([
  'MongoServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoPoolClosedError',
]);

const SOCKET_ERRORS = new Set(['EPIPE', 'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Maps what the database can say to what a caller should do about it. */
export function translateMongoError(error: unknown): unknown {
  if (error instanceof MongoServerError && THROTTLED.has(Number(error.code))) {
    const retryAfterMs = Number(/RetryAfterMs=(\d+)/.exec(error.message)?.[1] ?? 1000);
    return new Unavailable('The package store is throttling requests; retry shortly.', Math.max(1, Math.ceil(retryAfterMs / 1000)));
  }
  if ((error instanceof MongoError && UNREACHABLE.has(error.name)) || isSocketError(error)) {
    return new Unavailable('The package store cannot be reached; retry shortly.', 5);
  }
  return error;
}

/** The driver lets some socket failures through unwrapped (a write after the server hung up). */
function isSocketError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && SOCKET_ERRORS.has(code);
}

function isDuplicateKey(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === DUPLICATE_KEY;
}

function toPackage(document: PackageDocument): Package {
  const { _id, ownerId, size, weight, tag } = document;
  return tag === undefined ? { id: _id, ownerId, size, weight } : { id: _id, ownerId, size, weight, tag };
}

export class MongoPackageStore implements PackageStore {
  private readonly settings: MongoSettings;
  private readonly log: Logger;
  private readonly client: MongoClient;
  private readonly packages: Collection<PackageDocument>;
  private connected = false;

  constructor(settings: MongoSettings, log: Logger) {
    this.settings = settings;
    this.log = log;
    this.client = new MongoClient(settings.MONGODB_URL, {
      maxPoolSize: settings.MONGODB_MAX_POOL_SIZE,
      minPoolSize: settings.MONGODB_MIN_POOL_SIZE,
      serverSelectionTimeoutMS: settings.MONGODB_SERVER_SELECTION_TIMEOUT_MS,
      appName: 'dronedelivery-package',
      // Cosmos DB for MongoDB does not support retryable writes.
      retryWrites: false,
    });
    this.packages = this.client.db(settings.MONGODB_DATABASE).collection<PackageDocument>('packages');
  }

  async start(): Promise<void> {
    // An explicit connect: a failed *implicit* connect (by a first operation) closes the
    // driver's topology for good, whereas connect() can be retried.
    await connectWithRetry(() => this.client.connect(), {
      name: 'MongoDB',
      attempts: this.settings.MONGODB_CONNECT_ATTEMPTS,
      initialDelayMs: this.settings.MONGODB_CONNECT_BACKOFF_MS,
      log: this.log,
    });
    await this.packages.createIndex({ ownerId: 1, createdAt: 1 }, { name: 'owner_month' });
    this.connected = true;
  }

  async upsert(id: string, fields: PackageFields, now: Date): Promise<{ outcome: UpsertOutcome; package: Package }> {
    try {
      return await this.guard(() => this.upsertOnce(id, fields, now));
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    // The insert hit an existing _id: either a concurrent first write of this package won
    // the race (a second attempt is then a plain update) or another owner holds the id.
    try {
      return await this.guard(() => this.upsertOnce(id, fields, now));
    } catch (error) {
      throw isDuplicateKey(error) ? new PackageOwnedByAnotherOwner(id) : error;
    }
  }

  private async upsertOnce(id: string, fields: PackageFields, now: Date): Promise<{ outcome: UpsertOutcome; package: Package }> {
    const { ownerId, size, weight, tag } = fields;
    const before = await this.packages.findOneAndUpdate(
      // The owner is part of the filter: another owner's package with this id is never matched,
      // so the upsert's insert fails on the duplicate _id instead of overwriting it.
      { _id: id, ownerId },
      {
        $set: tag === undefined ? { size, weight } : { size, weight, tag },
        $setOnInsert: { ownerId, createdAt: now },
        ...(tag === undefined ? { $unset: { tag: '' } } : {}),
      },
      { upsert: true, returnDocument: 'before' },
    );
    const stored = toPackage({ _id: id, ...fields, createdAt: before?.createdAt ?? now });
    if (!before) return { outcome: 'created', package: stored };
    return { outcome: samePackage(toPackage(before), fields) ? 'unchanged' : 'updated', package: stored };
  }

  async patch(id: string, changes: PackagePatch): Promise<Package | undefined> {
    return this.guard(async () => {
      // Read the owner first so the update filters on the shard key, as Cosmos DB requires.
      const current = await this.packages.findOne({ _id: id }, { projection: { ownerId: 1 } });
      if (!current) return undefined;
      const $set = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
      const after = await this.packages.findOneAndUpdate({ _id: id, ownerId: current.ownerId }, { $set }, { returnDocument: 'after' });
      return after ? toPackage(after) : undefined;
    });
  }

  async get(id: string): Promise<Package | undefined> {
    return this.guard(async () => {
      const document = await this.packages.findOne({ _id: id });
      return document ? toPackage(document) : undefined;
    });
  }

  async totals(ownerId: string, from: Date, to: Date): Promise<PackageTotals> {
    return this.guard(async () => {
      // One group per distinct weight with a single accumulator, summed here: FerretDB
      // (our test server) returns 0 for every $group accumulator after the first, and this
      // form is one consistent read on MongoDB and Cosmos DB alike.
      const byWeight = await this.packages
        .aggregate<{ _id: number; count: number }>([
          { $match: { ownerId, createdAt: { $gte: from, $lt: to } } },
          { $group: { _id: '$weight', count: { $sum: 1 } } },
        ])
        .toArray();
      return byWeight.reduce(
        (totals, row) => ({ count: totals.count + row.count, totalWeight: totals.totalWeight + row._id * row.count }),
        {
          count: 0,
          totalWeight: 0,
        },
      );
    });
  }

  async ping(): Promise<void> {
    if (!this.connected) throw new Error('not connected yet');
    await this.client.db(this.settings.MONGODB_DATABASE).command({ ping: 1 });
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  /** Runs an operation once connected, translating unreachable and throttled into 503. */
  private async guard<T>(operation: () => Promise<T>): Promise<T> {
    if (!this.connected) throw new Unavailable('The package store is still connecting; retry shortly.', 2);
    try {
      return await operation();
    } catch (error) {
      throw translateMongoError(error);
    }
  }
}
