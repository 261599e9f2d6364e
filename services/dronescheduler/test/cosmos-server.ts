// A real Cosmos DB server for the adapter's tests: @vercel/cosmosdb-server, the Cosmos DB
// REST API in memory over HTTPS, in this process on a free loopback port — or the account,
// emulator or server named by COSMOS_ENDPOINT when it is set (CI starts one, see .ci/run).
//
// TLS: the package ships a certificate that expired in 2021 and names no host, so each
// server gets a fresh self-signed one for 127.0.0.1/localhost (openssl, as the kit's
// telemetry test does). In this process the client trusts exactly that certificate through
// an https.Agent of its own (the SDK's `agent` option): nothing else in the process trusts
// it and verification stays on. A server of another process (the CLI) is trusted the
// ordinary way, with its certificate in NODE_EXTRA_CA_CERTS.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Agent } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CosmosClient } from '@azure/cosmos';
import { DefaultAzureCredential } from '@azure/identity';
import { createHttpsServer } from '@vercel/cosmosdb-server';
import type { CosmosSettings } from '../src/store/cosmos.ts';

/** The server checks no signature: any key does. Not a secret. */
export const STAND_IN_KEY = 'cosmosdb-server-accepts-any-key';

/** One HTTP request the server received: what the SDK actually sent. */
export interface ServerRequest {
  method: string;
  path: string;
  /** A short name: "read drones", "query drones", "replace drones", "upsert utilization", "query plan drones"... */
  operation: string;
  /** The partition key the request was addressed to (x-ms-documentdb-partitionkey), if any. */
  partitionKey: string | undefined;
  /** Size of the response body. */
  responseBytes: number;
}

export interface CosmosServer {
  endpoint: string;
  /** The server's certificate (PEM). */
  certificate: string;
  certificateFile: string;
  /** Every request received, in order; tests count them. */
  requests: ServerRequest[];
  close(): Promise<void>;
}

/** A self-signed certificate for 127.0.0.1 and localhost, valid for a few days, written to `dir`. */
function makeCertificate(dir: string): { cert: string; key: string; certFile: string } {
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '7',
      '-subj',
      '/CN=cosmosdb-server stand-in',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'ignore' },
  );
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), certFile };
}

/** Names a request by resource and verb, e.g. "replace drones" or "query utilization". */
function describeRequest(request: IncomingMessage): ServerRequest {
  const method = request.method ?? 'GET';
  const path = (request.url ?? '/').split('?')[0] ?? '/';
  const header = (name: string) => request.headers[name] === 'true' || request.headers[name] === 'True';
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  // /dbs/{db}/colls/{coll}/docs/{id}, /dbs/{db}/colls/{coll}/pkranges, /dbs/{db}, /
  const collection = parts[3];
  const kind = parts[4];
  let verb: string;
  if (kind === 'docs') {
    if (parts.length === 6) verb = { GET: 'read', PUT: 'replace', DELETE: 'delete', PATCH: 'patch' }[method] ?? method;
    else if (method === 'GET') verb = 'read feed';
    else if (header('x-ms-cosmos-is-query-plan-request')) verb = 'query plan';
    else if (header('x-ms-documentdb-isquery') || request.headers['content-type'] === 'application/query+json') verb = 'query';
    else if (header('x-ms-documentdb-is-upsert')) verb = 'upsert';
    else verb = 'create';
  } else if (kind === 'pkranges') {
    verb = 'partition key ranges';
  } else if (parts.length <= 1) {
    verb = parts.length === 0 ? 'account' : method === 'POST' ? 'create database' : 'databases';
  } else {
    verb = `${method} ${parts[2] ?? 'database'}`;
  }
  const partitionKey = request.headers['x-ms-documentdb-partitionkey'];
  return {
    method,
    path,
    operation: collection && (kind === 'docs' || kind === 'pkranges') ? `${verb} ${collection}` : verb,
    partitionKey: typeof partitionKey === 'string' ? partitionKey : undefined,
    responseBytes: 0,
  };
}

/** Starts the server on `host:port` (0: a free port) with a fresh certificate written under `dir`. */
export async function startCosmosServer(options: { port?: number; host?: string; dir?: string } = {}): Promise<CosmosServer> {
  const host = options.host ?? '127.0.0.1';
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'cosmosdb-server-'));
  mkdirSync(dir, { recursive: true });
  const { cert, key, certFile } = makeCertificate(dir);
  // keepAlive: the package closes every connection after one answer otherwise (a TLS handshake per request).
  const server: Server = createHttpsServer({ cert, key, minVersion: 'TLSv1.2', keepAlive: true });
  const requests: ServerRequest[] = [];
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const entry = describeRequest(request);
    requests.push(entry);
    // The package answers with one response.end(body).
    const end = response.end.bind(response) as (...args: unknown[]) => ServerResponse;
    response.end = ((...args: unknown[]) => {
      if (typeof args[0] === 'string' || args[0] instanceof Uint8Array) entry.responseBytes = Buffer.byteLength(args[0]);
      return end(...args);
    }) as ServerResponse['end'];
  });
  server.listen(options.port ?? 0, host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `https://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    certificate: cert,
    certificateFile: certFile,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (ownDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Where the adapter's tests find Cosmos DB, and how to reach it. */
export interface CosmosTarget {
  /** "COSMOS_ENDPOINT https://…" or "cosmosdb-server in this process". */
  description: string;
  endpoint: string;
  key: string | undefined;
  /** An agent trusting the in-process server's certificate; undefined: the process's own trust (NODE_EXTRA_CA_CERTS). */
  agent: Agent | undefined;
  /** The in-process server (for counting requests); undefined for COSMOS_ENDPOINT. */
  server: CosmosServer | undefined;
  /** Settings for a store in a database of its own. */
  settings(database?: string): CosmosSettings;
  /** Creates an empty database (no containers yet). */
  createDatabase(database: string): Promise<void>;
  /** Deletes a database (a test's clean-up). */
  dropDatabase(database: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * A client as the adapter makes one: with the key when there is one, otherwise Microsoft
 * Entra ID; through `agent` when given (a stand-in's certificate, trusted for this client only).
 */
export function cosmosClient(endpoint: string, key: string | undefined, agent?: Agent): CosmosClient {
  return new CosmosClient({
    endpoint,
    ...(key ? { key } : { aadCredentials: new DefaultAzureCredential() }),
    ...(agent ? { agent } : {}),
  });
}

/** COSMOS_ENDPOINT (with COSMOS_KEY) when set; otherwise a server started in this process. */
export async function cosmosTarget(env: Record<string, string | undefined> = process.env): Promise<CosmosTarget> {
  const given = env.COSMOS_ENDPOINT;
  const server = given ? undefined : await startCosmosServer();
  const endpoint = given ?? (server as CosmosServer).endpoint;
  const key = given ? env.COSMOS_KEY : STAND_IN_KEY;
  const agent = server ? new Agent({ ca: server.certificate, keepAlive: true }) : undefined;
  const admin = cosmosClient(endpoint, key, agent);
  return {
    description: given ? `COSMOS_ENDPOINT ${given}` : 'cosmosdb-server in this process',
    endpoint,
    key,
    agent,
    server,
    settings: (database = `test-${randomUUID().slice(0, 8)}`) => ({
      COSMOS_ENDPOINT: endpoint,
      ...(key ? { COSMOS_KEY: key } : {}),
      COSMOS_DATABASE: database,
      COSMOS_MAX_RETRY_ATTEMPTS: 9,
      COSMOS_MAX_RETRY_WAIT_SECONDS: 30,
      COSMOS_CONNECT_ATTEMPTS: 3,
    }),
    createDatabase: async (database) => {
      await admin.databases.create({ id: database });
    },
    dropDatabase: async (database) => {
      await admin
        .database(database)
        .delete()
        .catch(() => undefined);
    },
    close: async () => {
      admin.dispose();
      agent?.destroy();
      await server?.close();
    },
  };
}
