// The values overlay: its YAML text, and its values checked against each chart's
// values.schema.json (the schema Helm enforces) by a small validator for the keywords those
// schemas use; the capacity command also renders it with helm template.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderedHpa } from '../capacity/helm-check.ts';
import { deriveHpaSettings } from '../capacity/hpa-settings.ts';
import { overlayValues, overlayYaml, toYaml, type Yaml } from '../capacity/overlay-yaml.ts';

const settings = deriveHpaSettings({
  cpu: [
    { rps: 1000, millicores: 200 },
    { rps: 2000, millicores: 440 },
  ],
  capacityRps: 2000,
  peakRps: 3000,
  budgetMillicores: 1000,
  peakRssMiB: 90,
});

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  anyOf?: Schema[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
}

/** Problems of `value` against `schema` (the keywords the charts' values schemas use). */
function problems(value: unknown, schema: Schema, path = '$'): string[] {
  if (schema.anyOf) return schema.anyOf.some((option) => problems(value, option, path).length === 0) ? [] : [`${path}: matches no option`];
  const found: string[] = [];
  const kind = Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value;
  if (schema.type && schema.type !== kind && !(schema.type === 'number' && kind === 'integer'))
    return [`${path}: ${kind}, not ${schema.type}`];
  if (schema.enum && !schema.enum.includes(value)) found.push(`${path}: ${String(value)} not in ${schema.enum.join(', ')}`);
  if (schema.pattern && typeof value === 'string' && !new RegExp(schema.pattern).test(value))
    found.push(`${path}: ${value} !~ ${schema.pattern}`);
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) found.push(`${path}: ${value} < ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) found.push(`${path}: ${value} > ${schema.maximum}`);
    if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum)
      found.push(`${path}: ${value} <= ${schema.exclusiveMinimum}`);
  }
  if (Array.isArray(value) && schema.items) {
    const items = schema.items;
    value.forEach((item, index) => {
      found.push(...problems(item, items, `${path}[${index}]`));
    });
  }
  if (kind === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    for (const key of schema.required ?? []) if (!(key in record)) found.push(`${path}.${key}: required`);
    for (const [key, item] of Object.entries(record)) {
      const property = schema.properties?.[key];
      if (property) found.push(...problems(item, property, `${path}.${key}`));
      else if (schema.additionalProperties === false) found.push(`${path}.${key}: not allowed`);
    }
  }
  return found;
}

describe('overlayValues', () => {
  for (const service of ['ingestion', 'gateway', 'delivery']) {
    it(`satisfies charts/${service}/values.schema.json`, () => {
      const schema = JSON.parse(readFileSync(new URL(`../../charts/${service}/values.schema.json`, import.meta.url), 'utf8')) as Schema;
      const values = overlayValues(service, settings)[service];
      expect(problems(values, schema)).toEqual([]);
    });
  }

  it('has the service as its only top-level key, with resources and autoscaling under it', () => {
    const values = overlayValues('ingestion', settings);
    expect(Object.keys(values)).toEqual(['ingestion']);
    expect(values.ingestion).toMatchObject({
      resources: { requests: { cpu: '300m', memory: '128Mi' }, limits: { cpu: '1000m', memory: '256Mi' } },
      autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 4, targetCPUUtilizationPercentage: 98 },
    });
    expect(() => overlayValues('Not A Key', settings)).toThrow(/not a chart key/);
  });

  it('is caught by the schema check when a value is wrong', () => {
    const schema = JSON.parse(readFileSync(new URL('../../charts/ingestion/values.schema.json', import.meta.url), 'utf8')) as Schema;
    const values = overlayValues('ingestion', { ...settings, targetCPUUtilizationPercentage: 140 }).ingestion;
    expect(problems(values, schema)).toEqual(['$.autoscaling.targetCPUUtilizationPercentage: 140 > 100']);
  });
});

describe('overlayYaml', () => {
  it('writes the header as comments and the values as block YAML', () => {
    const text = overlayYaml('ingestion', settings, ['from a capacity run', '']);
    expect(text.split('\n').slice(0, 14)).toEqual([
      '# from a capacity run',
      '#',
      'ingestion:',
      '  resources:',
      '    requests:',
      '      cpu: 300m',
      '      memory: 128Mi',
      '    limits:',
      '      cpu: 1000m',
      '      memory: 256Mi',
      '  autoscaling:',
      '    enabled: true',
      '    minReplicas: 2',
      '    maxReplicas: 4',
    ]);
    expect(text).toContain(
      [
        '        policies:',
        '          - type: Percent',
        '            value: 100',
        '            periodSeconds: 15',
        '          - type: Pods',
      ].join('\n'),
    );
    expect(text.endsWith('\n')).toBe(true);
  });

  it('quotes strings YAML would read as something else', () => {
    const value: Yaml = { a: 'yes', b: '1.5', c: 'Max', d: '250m', e: [], f: {}, g: ['x y', 3] };
    expect(toYaml(value)).toEqual(['a: "yes"', 'b: "1.5"', 'c: Max', 'd: 250m', 'e: []', 'f: {}', 'g:', '  - "x y"', '  - 3']);
  });
});

describe('renderedHpa', () => {
  it("picks the service's HorizontalPodAutoscaler out of helm template's output", () => {
    const manifests = [
      '---\n# Source: dronedelivery/charts/gateway/templates/hpa.yaml\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: x-gateway',
      '---\n# Source: dronedelivery/charts/ingestion/templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment',
      '---\n# Source: dronedelivery/charts/ingestion/templates/hpa.yaml\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: x-ingestion',
    ].join('\n');
    expect(renderedHpa(manifests, 'ingestion')).toMatch(/name: x-ingestion$/);
    expect(renderedHpa(manifests, 'delivery')).toBeUndefined();
  });
});
