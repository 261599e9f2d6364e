// One row of RELIABILITY.md per fault scenario, written by the suite as it runs and rendered
// into the table by `pnpm --filter @dronedelivery/resilience report`.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface ScenarioRow {
  scenario: string;
  load: string;
  fault: string;
  accepted: number;
  completed: number;
  deadLettered: number;
  lost: number;
  clientErrors: number;
  /** Answers other than 202 that the client retried, and how many. */
  retriedAttempts: number;
  recovery: string;
  /** From the end of the load until every accepted request was a delivery or a dead letter ("never" if some were not). */
  settled?: string;
  notes?: string;
}

export const resultsDirectory = fileURLToPath(new URL('../results/', import.meta.url));

export function recordRow(id: string, row: ScenarioRow): void {
  mkdirSync(resultsDirectory, { recursive: true });
  writeFileSync(`${resultsDirectory}${id}.json`, `${JSON.stringify({ ...row, recordedAt: new Date().toISOString() }, null, 2)}\n`);
}

export function readRows(): (ScenarioRow & { recordedAt: string })[] {
  return readdirSync(resultsDirectory)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => JSON.parse(readFileSync(`${resultsDirectory}${file}`, 'utf8')));
}

export function table(rows: ScenarioRow[]): string {
  const header =
    '| scenario | load held | fault | accepted | completed | dead-lettered | lost | client errors (retried answers) | recovery | all settled after |\n|---|---|---|---:|---:|---:|---:|---:|---|---|';
  const lines = rows.map(
    (row) =>
      `| ${row.scenario} | ${row.load} | ${row.fault} | ${row.accepted} | ${row.completed} | ${row.deadLettered} | **${row.lost}** | ${row.clientErrors} (${row.retriedAttempts}) | ${row.recovery} | ${row.settled ?? '–'} |`,
  );
  return [header, ...lines].join('\n');
}
