// Runs one scenario against a target: seeds deliveries to read, drives each stage at its
// arrival rate with the customer mix, and judges the run against the scenario's thresholds.
import { setTimeout as sleep } from 'node:timers/promises';
import { type LoadResult, latencyHistogram, percentileMs, runLoad } from './measure.ts';
import { breaches, fellBehind, type Scenario } from './scenarios.ts';
import type { Target } from './target.ts';
import { customerMix, deliveryRequest } from './traffic.ts';

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
  breaches: string[];
  passed: boolean;
}

/** Creates `count` deliveries and waits until the workflow has scheduled each, so reads find them. */
export async function seedDeliveries(target: Target, owner: string, count: number, timeoutMs = 60_000): Promise<string[]> {
  const headers = { authorization: `Bearer ${target.token}`, 'content-type': 'application/json' };
  const ids: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const response = await fetch(`${target.url}/api/deliveryrequests`, { method: 'POST', headers, body: deliveryRequest(owner) });
    if (response.status !== 202)
      throw new Error(`seeding: POST /api/deliveryrequests answered ${response.status}: ${await response.text()}`);
    ids.push(((await response.json()) as { deliveryId: string }).deliveryId);
  }
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(ids);
  while (pending.size > 0) {
    if (Date.now() > deadline) throw new Error(`seeding: ${pending.size} of ${count} deliveries were not scheduled within ${timeoutMs} ms`);
    for (const id of [...pending]) {
      const response = await fetch(`${target.url}/api/deliveries/${id}`, { headers });
      if (response.status === 200) pending.delete(id);
      else await response.body?.cancel();
    }
    if (pending.size > 0) await sleep(250);
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
): Promise<ScenarioReport> {
  const startedAt = new Date().toISOString();
  log(`seeding deliveries on ${target.description}`);
  const deliveryIds = await seedDeliveries(target, owner, 30);
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
  const problems = breaches(summary, scenario.thresholds);
  const last = stages.at(-1);
  if (scenario.recovery && last)
    problems.push(
      ...breaches({ p95Ms: last.latencyMs.p95, p99Ms: last.latencyMs.p99, errorRate: last.errorRate }, scenario.recovery, 'recovery'),
    );
  problems.push(...fellBehind(stages));
  if (requests === 0) problems.push('no request completed');
  return {
    scenario: scenario.name,
    target: target.description,
    startedAt,
    stages,
    overall: summary,
    thresholds: scenario.thresholds,
    breaches: problems,
    passed: problems.length === 0,
  };
}
