// Runs one scenario against a target: seeds deliveries to read, drives each stage at its
// arrival rate with the customer mix, and judges the run against the scenario's thresholds.

import { setTimeout as sleep } from 'node:timers/promises';
import { gatewayRoutes, pathOf } from '@dronedelivery/contracts';
import { type LoadResult, latencyHistogram, percentileMs, runLoad } from './measure.ts';
import { errorBreaches, fellBehind, type Gate, latencyBreaches, type Scenario } from './scenarios.ts';
import type { Target } from './target.ts';
import { customerMix, deliveryRequest, REQUEST_TIMEOUT_SECONDS, SEEDING } from './traffic.ts';

export interface StageReport extends LoadResult {
  offeredRate: number;
}

export interface ScenarioReport {
  scenario: string;
  target: string;
  startedAt: string;
  stages: StageReport[];
  overall: { requests: number; throughput: number; errorRate: number; p50Ms: number; p95Ms: number; p99Ms: number; maxMs: number };
  thresholds: Scenario['thresholds'];
  /** Which thresholds failed the run: all of them, or only the error rates. */
  gate: Gate;
  breaches: string[];
  /** Thresholds missed that did not fail the run (latency and achieved rate under the `errors` gate). */
  advisories: string[];
  passed: boolean;
}

/** Creates `count` deliveries and waits until the workflow has scheduled each, so reads find them. */
export async function seedDeliveries(
  target: Target,
  owner: string,
  count: number,
  timeoutMs: number = SEEDING.timeoutMs,
): Promise<string[]> {
  const headers = { authorization: `Bearer ${target.token}`, 'content-type': 'application/json' };
  const ids: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const response = await fetch(`${target.url}${gatewayRoutes.requestDelivery.url}`, {
      method: 'POST',
      headers,
      body: deliveryRequest(owner),
    });
    if (response.status !== 202)
      throw new Error(`seeding: POST /api/deliveryrequests answered ${response.status}: ${await response.text()}`);
    ids.push(((await response.json()) as { deliveryId: string }).deliveryId);
  }
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(ids);
  while (pending.size > 0) {
    if (Date.now() > deadline) throw new Error(`seeding: ${pending.size} of ${count} deliveries were not scheduled within ${timeoutMs} ms`);
    for (const id of [...pending]) {
      const response = await fetch(`${target.url}${pathOf(gatewayRoutes.deliveryStatus, { id })}`, { headers });
      const stage = response.status === 200 ? ((await response.json()) as { stage?: string }).stage : await response.body?.cancel();
      if (typeof stage === 'string' && stage !== SEEDING.pendingStage) pending.delete(id);
    }
    if (pending.size > 0) await sleep(SEEDING.pollMs);
  }
  return ids;
}

/** Connections enough for the rate at a few hundred milliseconds per request, within reason. */
export function connectionsFor(rate: number): number {
  return Math.min(500, Math.max(10, Math.ceil(rate / 20)));
}

export async function runScenario(
  scenario: Scenario,
  target: Target,
  owner: string,
  log: (line: string) => void = () => {},
  gate: Gate = 'all',
): Promise<ScenarioReport> {
  const startedAt = new Date().toISOString();
  log(`seeding deliveries on ${target.description}`);
  const deliveryIds = await seedDeliveries(target, owner, SEEDING.deliveries);
  const overall = latencyHistogram();
  const stages: StageReport[] = [];
  for (const [index, stage] of scenario.stages.entries()) {
    log(`stage ${index + 1}/${scenario.stages.length}: ${stage.rate} requests/s for ${stage.seconds} s`);
    const result = await runLoad({
      url: target.url,
      requests: customerMix(deliveryIds, owner),
      headers: { authorization: `Bearer ${target.token}` },
      connections: connectionsFor(stage.rate),
      durationSeconds: stage.seconds,
      rate: stage.rate,
      timeoutSeconds: REQUEST_TIMEOUT_SECONDS,
      alsoRecordInto: overall,
    });
    stages.push({ ...result, offeredRate: stage.rate });
    log(
      `  ${result.throughput} req/s, p95 ${result.latencyMs.p95} ms, p99 ${result.latencyMs.p99} ms, errors ${(result.errorRate * 100).toFixed(2)}%`,
    );
  }
  const requests = stages.reduce((sum, stage) => sum + stage.requests, 0);
  const failures = stages.reduce((sum, stage) => sum + stage.failedChecks + stage.errors, 0);
  const attempts = requests + stages.reduce((sum, stage) => sum + stage.errors, 0);
  const seconds = stages.reduce((sum, stage) => sum + stage.durationSeconds, 0);
  const summary = {
    requests,
    throughput: Math.round(requests / seconds),
    errorRate: attempts === 0 ? 1 : failures / attempts,
    p50Ms: percentileMs(overall, 50),
    p95Ms: percentileMs(overall, 95),
    p99Ms: percentileMs(overall, 99),
    maxMs: Math.round(overall.maxValue / 10) / 100,
  };
  overall.destroy();
  const last = stages.at(-1);
  const recovery =
    scenario.recovery && last ? { p95Ms: last.latencyMs.p95, p99Ms: last.latencyMs.p99, errorRate: last.errorRate } : undefined;
  const errors = [
    ...errorBreaches(summary, scenario.thresholds),
    ...(recovery && scenario.recovery ? errorBreaches(recovery, scenario.recovery, 'recovery') : []),
    ...(requests === 0 ? ['no request completed'] : []),
  ];
  const speed = [
    ...latencyBreaches(summary, scenario.thresholds),
    ...(recovery && scenario.recovery ? latencyBreaches(recovery, scenario.recovery, 'recovery') : []),
    ...fellBehind(stages),
  ];
  const problems = gate === 'all' ? [...errors, ...speed] : errors;
  return {
    scenario: scenario.name,
    target: target.description,
    startedAt,
    stages,
    overall: summary,
    thresholds: scenario.thresholds,
    gate,
    breaches: problems,
    advisories: gate === 'all' ? [] : speed,
    passed: problems.length === 0,
  };
}
