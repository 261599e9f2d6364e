// A datastore's client library is loaded only when a setting selects its adapter: `npm start`
// with everything in memory loads none of them (each would add 14–28 MB to the process and
// the Cosmos DB SDK 0.3 s to its start), and units configured for Redis, MongoDB and Cosmos DB
// load theirs. Each case runs in a child process of its own: this one's module cache holds
// whatever the other suites imported.
import { fileURLToPath } from 'node:url';
import { freePortRun, ProcessGroup, type RunningProcess } from '@dronedelivery/service-kit/testing';
import { afterAll, describe, expect, it } from 'vitest';

/** How record-packages.ts starts its line (not imported from it: importing it would record this process). */
const PACKAGES_LOADED = 'packages loaded: ';
const CLIENT_LIBRARIES = ['@azure/cosmos', '@azure/identity', 'bullmq', 'ioredis', 'mongodb'];
const JWT_SECRET = 'client-libraries-test-secret-0123456789';
const root = fileURLToPath(new URL('../../', import.meta.url));
const recorder = fileURLToPath(new URL('client-libraries/record-packages.ts', import.meta.url));
const group = new ProcessGroup();
afterAll(() => group.stopAll());

/** The packages the process loaded, once it has exited (record-packages.ts writes them). */
async function packagesLoaded(child: RunningProcess): Promise<string[]> {
  const exit = await child.exited;
  const line = child
    .recentOutput()
    .split('\n')
    .find((text) => text.startsWith(PACKAGES_LOADED));
  if (!line) throw new Error(`${child.name} exited (${exit.code ?? exit.signal}) without saying what it loaded${child.outputNote()}`);
  return JSON.parse(line.slice(PACKAGES_LOADED.length)) as string[];
}

const clientLibraries = (packages: string[]) => packages.filter((name) => CLIENT_LIBRARIES.includes(name));

describe.concurrent('client libraries', () => {
  it('npm start with everything in memory loads none of them', async () => {
    const port = await freePortRun(6);
    // No server variables: everything in memory. A JWT_SECRET, so that no secret file is written.
    const env = { PORT: String(port), LOG_LEVEL: 'warn', JWT_SECRET };
    // As `npm start` runs it (embedded/package.json), with the telemetry preload.
    const system = group.node(['--import', recorder, '--import', './packages/service-kit/src/telemetry.ts', 'embedded/src/main.ts'], {
      name: 'npm start',
      cwd: root,
      env,
    });
    await system.line(/Ctrl-C stops everything/, 45_000);
    await system.stop();
    const loaded = await packagesLoaded(system);
    // The recorder sees the packages the system does load (else the next line would prove nothing).
    expect(loaded).toContain('fastify');
    expect(clientLibraries(loaded)).toEqual([]);
  }, 60_000);

  it('units configured for Redis, MongoDB and Cosmos DB (with a key) load theirs, and not Entra ID’s', async () => {
    // Addresses where nothing listens: the units are built, never connected.
    const builder = group.node(['--import', recorder, fileURLToPath(new URL('client-libraries/build-units.ts', import.meta.url))], {
      name: 'build-units',
      cwd: root,
      env: {
        REDIS_URL: 'redis://127.0.0.1:1',
        MONGODB_URL: 'mongodb://127.0.0.1:1/',
        COSMOS_ENDPOINT: 'https://127.0.0.1:1/',
        COSMOS_KEY: 'a2V5',
        JWT_SECRET,
      },
    });
    expect(clientLibraries(await packagesLoaded(builder))).toEqual(['@azure/cosmos', 'bullmq', 'ioredis', 'mongodb']);
  }, 60_000);
});
