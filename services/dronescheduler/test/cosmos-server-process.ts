// A Cosmos DB server for suites whose services run as processes of their own (the fault
// suite): the one COSMOS_ENDPOINT names when it is set (CI starts one, see .ci/run, and
// trusts it through NODE_EXTRA_CA_CERTS), otherwise the stand-in (scripts/cosmos-server.ts)
// as a process of the caller's ProcessGroup on a free port, stopped with the group. What
// cosmosTarget is to a test's own process, this is to the processes a test starts.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CosmosClient } from '@azure/cosmos';
import type { ProcessGroup } from '@dronedelivery/service-kit/testing';
import { cosmosClient } from './cosmos-server.ts';

const script = fileURLToPath(new URL('../scripts/cosmos-server.ts', import.meta.url));

export interface CosmosServerProcess {
  /** "COSMOS_ENDPOINT https://…" or "@vercel/cosmosdb-server, a process of the test's". */
  description: string;
  endpoint: string;
  /** The variables that point a dronescheduler process at it, in `database`. */
  environment(database: string): Record<string, string>;
  /** A client for the test's own process (the stand-in's certificate trusted for it alone); dispose it. */
  client(): CosmosClient;
}

/** COSMOS_ENDPOINT (with COSMOS_KEY and the trust in NODE_EXTRA_CA_CERTS) when set; otherwise the stand-in, started in `group`. */
export async function cosmosServerProcess(
  group: ProcessGroup,
  env: Record<string, string | undefined> = process.env,
): Promise<CosmosServerProcess> {
  const given = env.COSMOS_ENDPOINT;
  if (given) {
    const key = env.COSMOS_KEY;
    const trust = env.NODE_EXTRA_CA_CERTS;
    return {
      description: `\`COSMOS_ENDPOINT\` \`${given}\``,
      endpoint: given,
      environment: (database) => ({
        COSMOS_ENDPOINT: given,
        COSMOS_DATABASE: database,
        ...(key ? { COSMOS_KEY: key } : {}),
        ...(trust ? { NODE_EXTRA_CA_CERTS: trust } : {}),
      }),
      // This process trusts it as it was started to (NODE_EXTRA_CA_CERTS is read at start-up).
      client: () => cosmosClient(given, key),
    };
  }

  const dir = mkdtempSync(join(tmpdir(), 'cosmosdb-server-'));
  group.defer(() => rmSync(dir, { recursive: true, force: true }));
  // Port 0: the server takes a free one and prints it; nothing can take it in between.
  const server = group.node([script, '--port', '0', '--dir', dir], { name: 'cosmosdb-server' });
  // It prints its settings once a client trusting only its certificate has had an answer; a
  // cold start on a busy machine (the SDK and its credentials load first) takes seconds.
  const settings = new Map<string, string>();
  for (const name of ['COSMOS_ENDPOINT', 'COSMOS_KEY', 'COSMOS_CERTIFICATE']) {
    const [, value] = await server.line(new RegExp(`^${name}=(.+)$`), 120_000);
    settings.set(name, value as string);
  }
  const endpoint = settings.get('COSMOS_ENDPOINT') as string;
  const key = settings.get('COSMOS_KEY') as string;
  const certificateFile = settings.get('COSMOS_CERTIFICATE') as string;
  const agent = new Agent({ ca: readFileSync(certificateFile, 'utf8'), keepAlive: true });
  group.defer(() => agent.destroy());
  return {
    description: '@vercel/cosmosdb-server, a process of the test run',
    endpoint,
    environment: (database) => ({
      COSMOS_ENDPOINT: endpoint,
      COSMOS_KEY: key,
      COSMOS_DATABASE: database,
      NODE_EXTRA_CA_CERTS: certificateFile,
    }),
    client: () => cosmosClient(endpoint, key, agent),
  };
}
