// Renders the charts with the real helm binary, for the chart tests and the summary report:
//   pnpm --filter @dronedelivery/charts render     (object counts and requested resources)
// helm comes from HELM_BIN, .tools/bin (where .ci/run installs it) or PATH.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { SERVICE_CHARTS } from './services.ts';

export const chartsDirectory = fileURLToPath(new URL('..', import.meta.url));
export const repositoryDirectory = join(chartsDirectory, '..');
/** The Kubernetes release the charts are rendered and validated for. */
export const KUBE_VERSION = '1.34.0';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  [field: string]: unknown;
}

/** An object's spec, or an empty one for kinds without (ConfigMap, ServiceAccount). */
export function specOf(object: KubeObject): Record<string, unknown> {
  return object.spec ?? {};
}

function findHelm(): string | undefined {
  const candidates = [process.env.HELM_BIN, join(repositoryDirectory, '.tools/bin/helm')].filter(Boolean) as string[];
  const found = candidates.find((path) => existsSync(path));
  if (found) return found;
  const which = spawnSync('sh', ['-c', 'command -v helm'], { encoding: 'utf8' });
  return which.status === 0 ? which.stdout.trim() : undefined;
}

export const helmBinary = findHelm();

function helm(args: string[]): string {
  if (!helmBinary) throw new Error('helm not found: set HELM_BIN or run .ci/run once to install it under .tools/bin');
  const result = spawnSync(helmBinary, args, { cwd: chartsDirectory, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`helm ${args.join(' ')} failed:\n${result.stderr}`);
  return result.stdout;
}

let dependenciesReady = false;
/** Vendors the common library into every service chart, then the service charts into the umbrella. */
export function prepareCharts(): void {
  if (dependenciesReady) return;
  for (const chart of [...SERVICE_CHARTS, 'dronedelivery']) helm(['dependency', 'update', '--skip-refresh', chart]);
  dependenciesReady = true;
}

export type Scenario = 'default' | 'dev' | 'production' | 'everything';
export const SCENARIOS: Scenario[] = ['default', 'dev', 'production', 'everything'];

const umbrella = (file: string) => join(chartsDirectory, 'dronedelivery', file);
/** What provision.sh writes for a subscription, as a team installs production with it. */
export const exampleOverlay = join(repositoryDirectory, 'k8s/aks/values-example.yaml');
const umbrellaFiles: Record<Scenario, string[]> = {
  default: [],
  dev: [umbrella('values-dev.yaml')],
  production: [umbrella('values-production.yaml'), exampleOverlay],
  everything: [umbrella('values-production.yaml'), exampleOverlay, umbrella('values-everything.yaml')],
};

let scratch: string | undefined;
/** The values files for a chart in a scenario: the umbrella's files, or their section for one service chart. */
export function valuesFiles(chart: string, scenario: Scenario): string[] {
  const files = umbrellaFiles[scenario];
  if (chart === 'dronedelivery') return files;
  scratch ??= mkdtempSync(join(tmpdir(), 'chart-values-'));
  return files.map((file, index) => {
    const section = (parse(readFileSync(file, 'utf8'), { merge: true }) as Record<string, unknown>)[chart] ?? {};
    const path = join(scratch as string, `${chart}-${scenario}-${index}.json`);
    writeFileSync(path, JSON.stringify(section));
    return path;
  });
}

/** `key=value` as helm's --set reads it (true is a boolean); `key="value"` as a string (--set-string). */
function valueArguments(chart: string, scenario: Scenario, set: string[]): string[] {
  const assignments = set.flatMap((assignment) => {
    const quoted = /^([^=]+)="(.*)"$/.exec(assignment);
    return quoted ? ['--set-string', `${quoted[1]}=${quoted[2]}`] : ['--set', assignment];
  });
  return [...valuesFiles(chart, scenario).flatMap((file) => ['-f', file]), ...assignments];
}

export function lint(chart: string, scenario: Scenario): string {
  prepareCharts();
  return helm(['lint', '--strict', '--kube-version', KUBE_VERSION, chart, ...valueArguments(chart, scenario, [])]);
}

/** helm template, parsed into objects. */
export function render(chart: string, scenario: Scenario, set: string[] = [], release = 'dronedelivery'): KubeObject[] {
  prepareCharts();
  const output = helm([
    'template',
    release,
    chart,
    '--namespace',
    'dronedelivery',
    '--kube-version',
    KUBE_VERSION,
    ...valueArguments(chart, scenario, set),
  ]);
  return parseAllDocuments(output)
    .map((document) => {
      if (document.errors.length) throw new Error(`rendered YAML does not parse: ${document.errors[0]?.message}`);
      return document.toJS() as KubeObject | null;
    })
    .filter((object): object is KubeObject => object !== null);
}

/** The manifests under k8s/ (not ingress-nginx's values), as objects. */
export function clusterManifests(): KubeObject[] {
  const directory = join(repositoryDirectory, 'k8s');
  // What `kubectl apply -k k8s/` applies: the kustomization's resources.
  const { resources } = parse(readFileSync(join(directory, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
  const files = resources.filter((resource) => resource.endsWith('.yaml'));
  return files.flatMap((file) =>
    parseAllDocuments(readFileSync(join(directory, file), 'utf8'))
      .map((document) => document.toJS() as KubeObject | null)
      .filter((object): object is KubeObject => object !== null),
  );
}

/** CPU in millicores and memory in bytes from Kubernetes quantities. */
export function cpuMillis(quantity: string | number): number {
  const text = String(quantity);
  return text.endsWith('m') ? Number(text.slice(0, -1)) : Number(text) * 1000;
}

export function memoryBytes(quantity: string | number): number {
  const units: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };
  const match = /^([0-9.]+)([A-Za-z]*)$/.exec(String(quantity));
  if (!match) throw new Error(`not a quantity: ${quantity}`);
  return Number(match[1]) * (match[2] ? (units[match[2]] ?? Number.NaN) : 1);
}

function summary(): void {
  const lines = ['| chart | scenario | objects | kinds |', '|---|---|---|---|'];
  for (const chart of [...SERVICE_CHARTS, 'dronedelivery'])
    for (const scenario of SCENARIOS) {
      const objects = render(chart, scenario);
      const kinds = new Map<string, number>();
      for (const object of objects) kinds.set(object.kind, (kinds.get(object.kind) ?? 0) + 1);
      const detail = [...kinds].map(([kind, count]) => `${kind} ${count}`).join(', ');
      lines.push(`| ${chart} | ${scenario} | ${objects.length} | ${detail} |`);
    }
  console.log(lines.join('\n'));
  for (const scenario of SCENARIOS) {
    let cpu = 0;
    let memory = 0;
    let pods = 0;
    const objects = render('dronedelivery', scenario);
    for (const deployment of objects.filter((object) => object.kind === 'Deployment')) {
      const replicas = minimumReplicas(deployment, objects);
      const containers = (
        deployment.spec as { template: { spec: { containers: { resources: { requests: { cpu: string; memory: string } } }[] } } }
      ).template.spec.containers;
      pods += replicas;
      for (const container of containers) {
        cpu += replicas * cpuMillis(container.resources.requests.cpu);
        memory += replicas * memoryBytes(container.resources.requests.memory);
      }
    }
    console.log(`${scenario}: ${pods} pods at minimum scale request ${cpu}m CPU and ${Math.round(memory / 2 ** 20)} MiB memory`);
  }
}

/** Replicas a Deployment runs with no load: its autoscaler's minimum, else its replica count. */
export function minimumReplicas(deployment: KubeObject, objects: KubeObject[]): number {
  const name = deployment.metadata.name;
  const hpa = objects.find(
    (object) => object.kind === 'HorizontalPodAutoscaler' && (specOf(object).scaleTargetRef as { name: string }).name === name,
  );
  if (hpa) return specOf(hpa).minReplicas as number;
  const scaled = objects.find(
    (object) => object.kind === 'ScaledObject' && (specOf(object).scaleTargetRef as { name: string }).name === name,
  );
  if (scaled) return specOf(scaled).minReplicaCount as number;
  return (specOf(deployment).replicas as number | undefined) ?? 1;
}

if (import.meta.main) {
  summary();
}
