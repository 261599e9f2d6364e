// What every package's own benchmark does alike (`pnpm --filter <package> bench`): a group of
// processes stopped whatever happens, the same load (50 connections, a 2 s warm-up, then
// BENCH_SECONDS), the same figures, seeding through a declared route, Redis from REDIS_URL or
// a private redis-server, and a markdown table to print. The benchmarks themselves say only
// what they start, what they send and which figures they show.
import { pathOf, type Route } from '@dronedelivery/contracts';
import { startRedis } from '@dronedelivery/fleet';
import { ProcessGroup } from '@dronedelivery/service-kit/testing';
import type { Request } from 'autocannon';
import { runLoad } from '../src/measure.ts';
import { markdownTable } from './report.ts';

/** The measured run's length: BENCH_SECONDS, 10 by default. */
export const seconds = Number(process.env.BENCH_SECONDS ?? 10);
export const CONNECTIONS = 50;
const WARMUP_SECONDS = 2;

/** The figures of one measured run. */
export interface Measured {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers that were not 2xx. */
  non2xx: number;
  /** Requests without an answer. */
  errors: number;
}

/** A warm-up (JIT, connection pools), then the measured run; `requests` are cycled through by each connection. */
export async function measure(url: string, requests: Request[], headers?: Record<string, string>): Promise<Measured> {
  const load = { url, requests, connections: CONNECTIONS, ...(headers ? { headers } : {}) };
  await runLoad({ ...load, durationSeconds: WARMUP_SECONDS });
  const result = await runLoad({ ...load, durationSeconds: seconds });
  return {
    requestsPerSecond: result.throughput,
    p50Ms: result.latencyMs.p50,
    p99Ms: result.latencyMs.p99,
    non2xx: result.failedChecks,
    errors: result.errors,
  };
}

/** Runs `bench` with a process group that is stopped afterwards, whatever happens (and killed if this process is interrupted). */
export async function withProcesses<T>(bench: (group: ProcessGroup) => Promise<T>): Promise<T> {
  const group = new ProcessGroup();
  try {
    return await bench(group);
  } finally {
    await group.stopAll();
  }
}

/** REDIS_URL, or a redis-server of the group's own (with an append-only file, appendfsync everysec, as production runs it, if `aof`). */
export async function redisFor(group: ProcessGroup, aof: boolean): Promise<{ url: string; local: boolean }> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, local: false };
  return { url: (await startRedis(group, { aof })).url, local: true };
}

/** Sends `body` to a route of a service (a PUT that creates what the benchmark reads); fails unless 2xx. */
export async function seed(baseUrl: string, route: Route, params: Record<string, string>, body: unknown): Promise<void> {
  const response = await fetch(`${baseUrl}${pathOf(route, params)}`, {
    method: route.method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`seeding ${route.method} ${route.url} failed: ${response.status} ${await response.text()}`);
}

/** A request that calls `route` anew each time: `call(n)` gives the n-th call's parameters and body (JSON, or a string sent as it is). */
export function numbered(route: Route, call: (n: number) => { params?: Record<string, string>; body?: unknown }): Request {
  let next = 0;
  return {
    method: route.method,
    headers: { 'content-type': 'application/json' },
    setupRequest: (request) => {
      const { params, body } = call(next++);
      const sent = body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) };
      return { ...request, path: pathOf(route, params), ...sent };
    },
  };
}

/** Prints the benchmark's heading and its table: figures (76, 2.5, 84%) right-aligned, text left. */
export function printTable(heading: string, headers: string[], rows: (string | number)[][]): void {
  const align = headers.map((_, i) => (/[a-z]/i.test(String(rows[0]?.[i] ?? 'text')) ? 'left' : 'right') as 'left' | 'right');
  console.log(`\n${heading}\n`);
  console.log(
    markdownTable(
      headers,
      rows.map((row) => row.map(String)),
      align,
    ),
  );
}
