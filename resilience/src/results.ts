// One row of RELIABILITY.md per fault scenario, written by the suite as it runs and rendered
// into the table by `pnpm --filter @dronedelivery/resilience report`.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
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
  /** What the scenario found beyond the columns, e.g. how its requests ended up; listed under the table. */
  notes?: string;
  /** Where the services kept their data. */
  stores?: string;
}

/** A row as recorded: with when, and on what machine. */
export type RecordedRow = ScenarioRow & { recordedAt: string; machine?: string };

export const resultsDirectory = fileURLToPath(new URL('../results/', import.meta.url));

export function recordRow(id: string, row: ScenarioRow): void {
  mkdirSync(resultsDirectory, { recursive: true });
  const recorded: RecordedRow = {
    ...row,
    recordedAt: new Date().toISOString(),
    machine: `${availableParallelism()} CPU cores, Node.js ${process.version}`,
  };
  writeFileSync(`${resultsDirectory}${id}.json`, `${JSON.stringify(recorded, null, 2)}\n`);
}

export function readRows(): RecordedRow[] {
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

/** The rows' notes, one item each, for under the table; empty if none has any. */
export function notes(rows: ScenarioRow[]): string {
  return rows
    .filter((row) => row.notes)
    .map((row) => `- **${row.scenario}**: ${row.notes}`)
    .join('\n');
}

/** The distinct values of one field over the rows, in order of first appearance. */
export function distinct(rows: RecordedRow[], field: 'stores' | 'machine'): string[] {
  return [...new Set(rows.map((row) => row[field]).filter((value): value is string => value !== undefined))];
}
