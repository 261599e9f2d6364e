// How the bench runs the units: as users run them. Production defaults unless a case says
// otherwise: the telemetry preload at its default sampling, exporting OTLP/HTTP to a collector
// (a receiver in the bench process that reads and counts what it is sent), request logs at
// `info` written to a file (as a container runtime takes stdout), NODE_ENV=production.
// Variants exist only to show what telemetry costs; they are labelled in every table.
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProcessGroup } from '@dronedelivery/service-kit/testing';

/** The telemetry preload, as every unit's start script and image give it. */
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
  nodeArgs: string[];
  logFile: (name: string) => string;
  telemetry: Telemetry;
}

export async function runAs(group: ProcessGroup, telemetry: Telemetry = 'default'): Promise<RunAs> {
  const collector = await startCollector(group);
  const logDir = mkdtempSync(join(tmpdir(), 'bench-logs-'));
  group.defer(() => rmSync(logDir, { recursive: true, force: true }));
  const otel: Record<Telemetry, Record<string, string>> = {
    default: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url },
    off: { OTEL_SDK_DISABLED: 'true' },
    'every-trace': { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_TRACES_SAMPLER_ARG: '1' },
  };
  return {
    env: { NODE_ENV: 'production', LOG_LEVEL: 'info', ...otel[telemetry] },
    nodeArgs: ['--import', TELEMETRY_PRELOAD],
    logFile: (name) => join(logDir, `${name}.log`),
    telemetry,
  };
}
