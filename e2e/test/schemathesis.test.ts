// Schemathesis fuzzes the gateway's public API from its own /openapi.json, once as a customer
// and once as an operator, with every check on: any server error, any response that breaks
// the document, any valid request refused or invalid one accepted fails the test.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunningSystem, startInProcess, UNIT_NAMES, type UnitName } from '@dronedelivery/fleet';
import { capturingLogger } from '@dronedelivery/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = process.env.SCHEMATHESIS_BIN ?? join(ROOT, '.tools/venv/bin/st');
const INSTALL = 'python3 -m venv .tools/venv && .tools/venv/bin/pip install -r e2e/schemathesis/requirements.txt';
const RUN = 'SCHEMATHESIS=1 pnpm exec vitest run e2e/test/schemathesis.test.ts';
// A few minutes, and it needs Python: opt in with SCHEMATHESIS=1 (CI exports it in .ci/run).
const skipped =
  process.env.SCHEMATHESIS !== '1'
    ? `off unless SCHEMATHESIS=1; run it with: ${RUN}`
    : existsSync(BIN)
      ? undefined
      : `Schemathesis is not installed at ${BIN}; install it from the repository root with: ${INSTALL} (or set SCHEMATHESIS_BIN), then: ${RUN}`;
// Asked for and not installed: say so where it is seen, not only in a verbose reporter's skip note.
if (skipped && process.env.SCHEMATHESIS === '1') console.warn(`Schemathesis suite skipped: ${skipped}`);

/**
 * Each run's time budget, in seconds. With a budget Schemathesis spreads it over its phases
 * (examples, coverage, fuzzing, stateful) and cycles until it is spent, so one run takes about
 * this long whatever the machine; two runs plus start-up stay within a few minutes on 2 cores.
 */
const MAX_TIME = Number(process.env.SCHEMATHESIS_MAX_TIME ?? 90);
/** Fixed unless asked otherwise, so that a failure in CI reproduces on a laptop. */
const SEED = process.env.SCHEMATHESIS_SEED ?? '20260101';

const OWNER = `st-${randomUUID().slice(0, 8)}`;
const SERVICES: UnitName[] = UNIT_NAMES;

/** A small schemathesis.toml, written for each run (TOML strings and arrays are JSON-compatible). */
function configFile(options: { ids: string[]; owner?: string; cursor?: string | undefined }): string {
  const s = JSON.stringify;
  const lines = [
    // Path ids drawn half the time from resources that exist, so that 200 answers (and their
    // schemas) are tested too, not only 404s for random ids.
    '[dictionaries.ids]',
    `values = ${s(options.ids)}`,
  ];
  // Likewise the month the seed delivery is in, so that summaries, invoices and utilization
  // have something to count.
  const now = new Date();
  lines.push('[dictionaries.year]', `values = [${now.getUTCFullYear()}]`, '[dictionaries.month]', `values = [${now.getUTCMonth() + 1}]`);
  if (options.owner) lines.push('[dictionaries.owner]', `values = ${s([options.owner])}`);
  if (options.cursor) lines.push('[dictionaries.cursor]', `values = ${s([options.cursor])}`);
  lines.push(
    '[parameters]',
    '"path.id" = { dictionary = "ids", probability = 0.5 }',
    '"path.deliveryId" = { dictionary = "ids", probability = 0.5 }',
    '"query.year" = { dictionary = "year", probability = 0.5 }',
    '"query.month" = { dictionary = "month", probability = 0.5 }',
  );
  if (options.cursor) lines.push('"query.cursor" = { dictionary = "cursor", probability = 1.0 }');
  // A customer may act only for its own owner id: mostly its own, so its requests get past
  // authorization; sometimes another, which must be refused (403), never served.
  if (options.owner)
    for (const key of ['path.ownerId', 'query.ownerId', 'body.ownerId'])
      lines.push(`${s(key)} = { dictionary = "owner", probability = 0.8 }`);
  // An Idempotency-Key sent again with a different body is refused with 422, as documented: the
  // generator reuses short keys ("0") across different bodies by chance, which is not a
  // valid request being refused.
  // And the time rules need the clock (a pickup at most 366 days from now, a deadline not yet
  // passed and after the pickup): no schema can state them, so a schema-valid date the rules
  // refuse is answered 400 with the field named, as the contract says.
  for (const operation of ['POST /api/deliveryrequests', 'PATCH /api/deliveryrequests/{deliveryId}'])
    lines.push(
      '[[operations]]',
      `include-name = ${s(operation)}`,
      `checks.positive_data_acceptance.expected-statuses = ${s(['2xx', '3xx', '400', '401', '403', '404', '409', '422', '429', '5xx'])}`,
    );
  // A list cursor is opaque: the coverage phase sends boundary values ("0") that no schema
  // can rule out and that the API rightly refuses with 400. (Fuzzing mostly sends the real
  // cursor above, and a 5xx for a bad one still fails the run.)
  lines.push(
    '[[operations]]',
    `include-name = ${s('GET /api/deliveries')}`,
    `checks.positive_data_acceptance.expected-statuses = ${s(['2xx', '3xx', '400', '401', '403', '404', '409', '429', '5xx'])}`,
  );
  // Warnings that mean this configuration no longer tests what it says: an operation above
  // renamed, throttled requests, dictionary values the schema now refuses.
  lines.push('[warnings]', `fail-on = ${s(['unmatched_filter', 'rate_limited', 'dictionary_mismatch'])}`);
  return `${lines.join('\n')}\n`;
}

interface Outcome {
  code: number | null;
  output: string;
}

/** Runs `st` without blocking the event loop: the system under test lives in this process. */
function schemathesis(args: string[], cwd: string): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, {
      cwd,
      env: { ...process.env, PYTHONUNBUFFERED: '1', COLUMNS: '120' },
      stdio: ['ignore', 'pipe', 'pipe'],
      // A budget overrun by more than a minute is a hang, not a slow machine.
      timeout: (MAX_TIME + 60) * 1000,
      killSignal: 'SIGKILL',
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

/**
 * What to show on failure: Schemathesis' summary first, then every failure (and error or
 * warning) with its curl line, cut to `limit` characters; the full output is in the report directory.
 */
function digest(output: string, limit = 60_000): string {
  const lineAt = (marker: string) => {
    const at = output.indexOf(marker);
    return at < 0 ? -1 : output.lastIndexOf('\n', at) + 1;
  };
  const summaryAt = lineAt('= SUMMARY =');
  const detailsAt = Math.min(...['= ERRORS =', '= FAILURES =', '= WARNINGS ='].map(lineAt).filter((at) => at >= 0));
  // No summary: Schemathesis stopped early (the schema did not load, a bad option); its last words say why.
  if (summaryAt < 0) return output.slice(-limit);
  const summary = output.slice(summaryAt);
  const details = Number.isFinite(detailsAt) ? output.slice(detailsAt, summaryAt) : '';
  const room = Math.max(0, limit - summary.length);
  return `${summary}\n${details.length > room ? `${details.slice(0, room)}\n… (cut: the rest is in output.txt in the report directory)\n` : details}`;
}

describe('Schemathesis against the gateway', () => {
  let system: RunningSystem | undefined;
  const logs: Partial<Record<UnitName, () => Record<string, unknown>[]>> = {};
  const ids: string[] = [];
  let cursor: string | undefined;

  beforeAll(async () => {
    if (skipped) return;
    system = await startInProcess({
      env: {
        QUEUE_BACKOFF_MS: '200',
        // Thousands of requests from one caller: the per-caller limit would turn most of
        // them into 429s and leave the API untested.
        RATE_LIMIT_MAX: '1000000',
        // The fuzzer and all six services share a small machine: load shedding would turn CPU
        // contention into 503s that say nothing about the API.
        LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '0',
      },
      logFor: (service) => {
        const captured = capturingLogger(service);
        logs[service] = captured.lines;
        return captured.log;
      },
    });
    // Two deliveries that exist, with their packages, for the id dictionary; two, so that a
    // page of one has a next page.
    const gateway = system.urls.gateway;
    const authorization = `Bearer ${await system.token(['customer'], OWNER)}`;
    for (const n of [1, 2]) {
      const packageId = `${OWNER}-package-${n}`;
      const response = await fetch(`${gateway}/api/deliveryrequests`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify({
          ownerId: OWNER,
          pickupLocation: { latitude: 47.62, longitude: -122.35 },
          dropOffLocation: { latitude: 47.65, longitude: -122.3 },
          pickupTime: new Date(Date.now() + n * 86_400_000).toISOString(),
          packageInfo: { packageId, size: 'Small', weight: 2 },
        }),
      });
      if (response.status !== 202) throw new Error(`a seed delivery was refused: ${response.status} ${await response.text()}`);
      const { deliveryId } = (await response.json()) as { deliveryId: string };
      // Scheduled by the workflow a moment after the 202 (expect.poll is for tests, not hooks).
      const deadline = Date.now() + 20_000;
      while ((await fetch(`${gateway}/api/deliveries/${deliveryId}`, { headers: { authorization } })).status !== 200) {
        if (Date.now() > deadline) throw new Error(`the seed delivery ${deliveryId} was not scheduled within 20 s`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      ids.push(deliveryId, packageId);
    }
    // A real list cursor for the fuzzer: random ones only ever reach the refusal (see configFile).
    const page = await fetch(`${gateway}/api/deliveries?limit=1`, { headers: { authorization } });
    if (page.ok) cursor = ((await page.json()) as { nextCursor?: string }).nextCursor;
  }, 60_000);

  afterAll(() => system?.stop());

  const roles = [
    { role: 'customer', as: 'a customer', token: (s: RunningSystem) => s.token(['customer'], OWNER), owner: OWNER },
    { role: 'operator', as: 'an operator', token: (s: RunningSystem) => s.token(['operator']), owner: undefined },
  ];

  for (const { role, as, token, owner } of roles) {
    it(
      `finds no server error and no failed check, as ${as}`,
      async (context) => {
        if (skipped) context.skip(skipped);
        if (!system) throw new Error('the system did not start');
        const dir = await mkdtemp(join(tmpdir(), `schemathesis-${role}-`));
        const config = join(dir, 'schemathesis.toml');
        await writeFile(config, configFile({ ids, cursor, ...(owner ? { owner } : {}) }));
        const before = Object.fromEntries(SERVICES.map((name) => [name, logs[name]?.().length ?? 0]));
        const { code, output } = await schemathesis(
          [
            '--config-file',
            config,
            'run',
            `${system.urls.gateway}/openapi.json`,
            '--checks',
            'all',
            // The only DELETE in the API is the cancel of a delivery request: a reschedule sent
            // after it is accepted (202, queued) and then refused on the delivery's timeline
            // (RescheduleRefused), so "a deleted resource is still available" does not apply.
            // The stateful phase ignores per-operation settings for this check.
            '--exclude-checks',
            'use_after_free',
            '--header',
            `Authorization: Bearer ${await token(system)}`,
            '--max-time',
            String(MAX_TIME),
            '--seed',
            SEED,
            // Every failure, not only the first of each operation: the report is a to-do list.
            '--continue-on-failure',
            '--request-timeout',
            '10',
            '--no-color',
            // Show idempotency keys and the token in the curl lines, so that they reproduce as
            // printed: the token is signed with this run's throwaway secret and dies with it.
            '--output-sanitize',
            'false',
            '--generation-database',
            'none',
            '--report',
            'junit,ndjson',
            '--report-dir',
            dir,
          ],
          dir,
        );
        await writeFile(join(dir, 'output.txt'), output);
        if (code === 0) {
          await rm(dir, { recursive: true, force: true });
          return;
        }
        // Server-side errors explain 5xx answers: their stack traces are only in the logs.
        const errors = SERVICES.flatMap((name) =>
          (logs[name]?.() ?? [])
            .slice(before[name])
            .filter((line) => line.level === 'error' || line.level === 'fatal')
            .map((line) => `${name}: ${JSON.stringify(line)}`),
        );
        const message = [
          `Schemathesis (${role}) ${code === null ? `was stopped after ${MAX_TIME + 60} s` : `exited with ${code}`}. Seed ${SEED}: SCHEMATHESIS_SEED=${SEED} ${RUN} reruns it.`,
          `The curl lines carry this run's ${role} token; against \`npm start\` with JWT_SECRET set, \`pnpm token --role ${role}${owner ? ` --owner ${owner}` : ''}\` mints one.`,
          `Full output and JUnit/NDJSON reports: ${dir}`,
          '',
          digest(output),
          ...(errors.length ? ['', `Errors logged by the services (${errors.length}, first 20):`, ...errors.slice(0, 20)] : []),
        ].join('\n');
        expect.fail(message);
      },
      (MAX_TIME + 120) * 1000,
    );
  }
});
