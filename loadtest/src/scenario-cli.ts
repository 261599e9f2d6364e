// pnpm loadtest <smoke|average|stress|spike|soak>: runs a scenario and exits 1 when a threshold
// is breached. LOADTEST_TARGET picks the target (see target.ts), LOADTEST_SCALE multiplies
// the rates, LOADTEST_SOAK_MINUTES sets the soak's length, LOADTEST_GATE=errors makes only
// the error rates fail the run (latency and requests dropped are then reported, not gated). The report
// goes to loadtest/results/scenario-<name>.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runScenario } from './scenario-run.ts';
import { gateFrom, SCENARIOS, scaled } from './scenarios.ts';
import { openTarget, tokenOwner } from './target.ts';
import { LOADTEST_OWNER } from './traffic.ts';

const name = process.argv[2] ?? 'smoke';
const definition = SCENARIOS[name];
if (!definition) {
  process.stderr.write(`unknown scenario "${name}"; one of: ${Object.keys(SCENARIOS).join(', ')}\n`);
  process.exit(2);
}
const scenario = scaled(definition, Number(process.env.LOADTEST_SCALE ?? 1), Number(process.env.LOADTEST_SOAK_MINUTES ?? 0) || undefined);
// With a given token (an Entra ID token in a pipeline), the requests are that token's owner's.
const owner =
  process.env.LOADTEST_OWNER ?? (process.env.LOADTEST_TOKEN ? tokenOwner(process.env.LOADTEST_TOKEN) : undefined) ?? LOADTEST_OWNER;
const gate = gateFrom(process.env.LOADTEST_GATE);
const log = (line: string) => process.stdout.write(`${line}\n`);

const target = await openTarget(process.env, owner);
let passed = false;
try {
  log(`${scenario.name}: ${scenario.description}`);
  const report = await runScenario(scenario, target, owner, log, gate);
  const results = fileURLToPath(new URL('../results/', import.meta.url));
  mkdirSync(results, { recursive: true });
  writeFileSync(`${results}scenario-${scenario.name}.json`, `${JSON.stringify(report, null, 2)}\n`);
  const o = report.overall;
  log(
    `overall: sent ${o.sent} of ${o.offered} requests offered, ${o.dropped} dropped; ${o.requests} answered, ${o.throughput} req/s, p50 ${o.p50Ms} ms, p95 ${o.p95Ms} ms, p99 ${o.p99Ms} ms, errors ${(o.errorRate * 100).toFixed(2)}%`,
  );
  log(
    `thresholds: p95 < ${scenario.thresholds.p95Ms} ms, p99 < ${scenario.thresholds.p99Ms} ms, errors <= ${(scenario.thresholds.maxErrorRate * 100).toFixed(2)}% (gating: ${gate === 'all' ? 'all' : 'error rates only'})`,
  );
  for (const problem of report.breaches) log(`  BREACHED ${problem}`);
  for (const missed of report.advisories) log(`  over target (reported, not gated: LOADTEST_GATE=errors) ${missed}`);
  log(report.passed ? 'PASSED' : 'FAILED');
  passed = report.passed;
} finally {
  await target.stop();
}
process.exit(passed ? 0 : 1);
