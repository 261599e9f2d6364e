// Writes values.schema.json for every chart: pnpm --filter @dronedelivery/charts schemas
// (a test fails when a committed schema differs from what this would write).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SERVICE_CHARTS } from './services.ts';
import { umbrellaSchema, valuesSchema } from './values-schema.ts';

export function schemaText(schema: unknown): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}

export function schemaPath(chart: string): string {
  return fileURLToPath(new URL(`../${chart}/values.schema.json`, import.meta.url));
}

if (import.meta.main) {
  for (const chart of SERVICE_CHARTS) writeFileSync(schemaPath(chart), schemaText(valuesSchema(chart)));
  writeFileSync(schemaPath('dronedelivery'), schemaText(umbrellaSchema()));
  console.log(`wrote values.schema.json for ${SERVICE_CHARTS.length + 1} charts`);
}
