// Runs one scenario against a target: seeds deliveries to read, offers each stage's arrival
// rate with the customer mix (an open model, as the k6 scripts run: see arrival-rate.ts), and
// judges the run against the scenario's thresholds.

import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { gatewayRoutes, pathOf } from '@dronedelivery/contracts';
import { type ArrivalStageResult, runArrivals } from './arrival-rate.ts';
import { latencyHistogram, percentileMs } from './measure.ts';
import { errorBreaches, fellBehind, type Gate, latencyBreaches, type Part, partsOf, type Scenario } from './scenarios.ts';
import type { Target } from './target.ts';
import { customerMix, deliveryRequest, REQUEST_TIMEOUT_SECONDS, SEEDING } from './traffic.ts';

export type StageReport = ArrivalStageResult;

export interface ScenarioReport {
  scenario: string;
  target: string;
  startedAt: string;
  /** The parts the stages ran in, each with its bound on requests outstanding (beyond it, requests are dropped). */
  parts: Omit<Part, 'stages'>[];
  stages: StageReport[];
  overall: {
    offered: number;
    sent: number;
    dropped: number;
    /** Requests answered, and answered per second from the start until the last request settled. */
    requests: number;
    throughput: number;
    errorRate: number;
    p50Ms: number;
    p95Ms: number;
    p99Ms: number;
    maxMs: number;
  };
  thresholds: Scenario['thresholds'];
  /** Which thresholds failed the run: all of them, or only the error rates. */
  gate: Gate;
  breaches: string[];
  /** Thresholds missed that did not fail the run (latency and requests dropped under the `errors` gate). */
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

/** One stage's figures on one line. */
export function stageLine(index: number, count: number, stage: StageReport): string {
  return (
    `stage ${index + 1}/${count} (${stage.offeredRate}/s for ${stage.seconds} s): sent ${stage.sent} of ${stage.offered}, ${stage.dropped} dropped; ` +
    `answered ${stage.throughput}/s, p50 ${stage.latencyMs.p50} ms, p95 ${stage.latencyMs.p95} ms, p99 ${stage.latencyMs.p99} ms, ` +
    `errors ${(stage.errorRate * 100).toFixed(2)}% (${stage.timeouts} timeouts); sent late by ${stage.sendLagMs.p99} ms at p99`
  );
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
  const requests = customerMix(deliveryIds, owner);
  const parts = partsOf(scenario);
  const count = scenario.stages.length;
  for (const part of parts)
    log(
      `${part.name}, from ${part.startSeconds} s: ${part.stages.map((stage) => `${stage.rate}/s for ${stage.seconds} s`).join(', ')}; at most ${part.maxInFlight} requests outstanding`,
    );
  const overall = latencyHistogram();
  const origin = performance.now();
  const perPart = await Promise.all(
    parts.map((part, partIndex) => {
      const first = parts.slice(0, partIndex).reduce((sum, before) => sum + before.stages.length, 0);
      return runArrivals({
        url: target.url,
        stages: part.stages,
        maxInFlight: part.maxInFlight,
        requests,
        headers: { authorization: `Bearer ${target.token}` },
        timeoutMs: REQUEST_TIMEOUT_SECONDS * 1000,
        startAt: origin + part.startSeconds * 1000,
        alsoRecordInto: overall,
        onStageEnd: (index, result) => log(`  ${stageLine(first + index, count, result)}`),
      });
    }),
  );
  const stages = perPart.flat();
  const sum = (figure: (stage: StageReport) => number) => stages.reduce((total, stage) => total + figure(stage), 0);
  const sent = sum((stage) => stage.sent);
  const answered = sum((stage) => stage.requests);
  // From the start until the last request settled: each stage starts as the one before ends.
  let start = 0;
  let settledAfter = 0;
  for (const stage of stages) {
    settledAfter = Math.max(settledAfter, start + stage.settledAfterSeconds);
    start += stage.seconds;
  }
  const summary = {
    offered: sum((stage) => stage.offered),
    sent,
    dropped: sum((stage) => stage.dropped),
    requests: answered,
    throughput: Math.round(answered / settledAfter),
    errorRate: sent === 0 ? 1 : sum((stage) => stage.failedChecks + stage.errors) / sent,
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
    ...(answered === 0 ? ['no request was answered'] : []),
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
    parts: parts.map(({ stages: _stages, ...part }) => part),
    stages,
    overall: summary,
    thresholds: scenario.thresholds,
    gate,
    breaches: problems,
    advisories: gate === 'all' ? [] : speed,
    passed: problems.length === 0,
  };
}
