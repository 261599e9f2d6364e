// How the bench runs the units: as users run them. Production defaults unless a case says
// otherwise: the telemetry preload at its default sampling, exporting OTLP/HTTP to a collector
// (a receiver in the bench process that reads and counts what it is sent), request logs at
// `info` written to a file (as a container runtime takes stdout), NODE_ENV=production. A unit
// in a process of its own runs compiled, with its image's command (the Dockerfile's CMD);
// the whole system in one process runs its sources, as `npm start` does.
// Variants exist only to show what telemetry costs; they are labelled in every table.
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { UnitOptions } from '@dronedelivery/fleet';
import type { ProcessGroup } from '@dronedelivery/service-kit/testing';
import type { UnitName } from '@dronedelivery/system';
import { buildCompiled, compiledUnit } from '@dronedelivery/system/compiled';

/** The telemetry preload, as `npm start` gives it to the whole system in one process. */
export const TELEMETRY_PRELOAD = fileURLToPath(new URL('../../packages/service-kit/src/telemetry.ts', import.meta.url));

/** What is measured: production defaults, or one of the telemetry variants beside them. */
export type Telemetry = 'default' | 'off' | 'every-trace';

export const TELEMETRY_LABEL: Record<Telemetry, string> = {
  default: 'production defaults (telemetry on, default sampling, info logs)',
  off: 'telemetry off (OTEL_SDK_DISABLED=true), info logs',
  'every-trace': 'telemetry on, every trace recorded (OTEL_TRACES_SAMPLER_ARG=1), info logs',
};

/** An OTLP/HTTP collector stand-in: accepts every export, counts requests and bytes. */
export interface Collector {
  url: string;
  exports: number;
  bytes: number;
}

export async function startCollector(group: ProcessGroup): Promise<Collector> {
  const collector: Collector = { url: '', exports: 0, bytes: 0 };
  const server = createServer((request, response) => {
    request.on('data', (chunk: Buffer) => {
      collector.bytes += chunk.length;
    });
    request.on('end', () => {
      collector.exports += 1;
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  collector.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  group.defer(() => {
    server.closeAllConnections();
    server.close();
  });
  return collector;
}

/** A unit's environment and node arguments for a telemetry variant, its logs going to `logDir`. */
export interface RunAs {
  env: Record<string, string>;
  /** For the whole system in one process (its sources, with the preload). */
  nodeArgs: string[];
  logFile: (name: string) => string;
  telemetry: Telemetry;
  /** A unit in a process of its own, as its image runs it: compiled, the image's node options; `extraArgs` e.g. --cpu-prof. */
  unit: (name: UnitName, extraArgs?: string[]) => UnitOptions;
}

let built: Promise<void> | undefined;
/** Compiles the units once per bench run (about 2 s), as their images are built. */
export const ensureBuilt = () => {
  built ??= buildCompiled();
  return built;
};

export async function runAs(group: ProcessGroup, telemetry: Telemetry = 'default'): Promise<RunAs> {
  const collector = await startCollector(group);
  const logDir = mkdtempSync(join(tmpdir(), 'bench-logs-'));
  group.defer(() => rmSync(logDir, { recursive: true, force: true }));
  const otel: Record<Telemetry, Record<string, string>> = {
    default: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url },
    off: { OTEL_SDK_DISABLED: 'true' },
    'every-trace': { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_TRACES_SAMPLER_ARG: '1' },
  };
  await ensureBuilt();
  const logFile = (name: string) => join(logDir, `${name}.log`);
  return {
    env: { NODE_ENV: 'production', LOG_LEVEL: 'info', ...otel[telemetry] },
    nodeArgs: ['--import', TELEMETRY_PRELOAD],
    logFile,
    telemetry,
    unit: (name, extraArgs = []) => {
      const { cwd, nodeArgs, entry } = compiledUnit(name);
      return { cwd, entry, nodeArgs: [...nodeArgs, ...extraArgs], logFile: logFile(name), graceMs: 30_000, readyTimeoutMs: 60_000 };
    },
  };
}
