// Rules every rendered Deployment must meet, as functions that return the problems they find
// (empty = compliant), so each rule is tested on a non-compliant object too.
import { loadConfig } from '@dronedelivery/service-kit';
import { type KubeObject, specOf } from '../scripts/render.ts';
import { environmentSchema, knownVariables, SERVICE_CHARTS, type ServiceChart, SINGLETON_CHARTS } from '../scripts/services.ts';

interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  imagePullPolicy?: string;
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  lifecycle?: { preStop?: { sleep?: { seconds: number } } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: {
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    runAsNonRoot?: boolean;
    privileged?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
    seccompProfile?: { type: string };
  };
}
export interface PodSpec {
  containers: Container[];
  topologySpreadConstraints?: { topologyKey: string }[];
  nodeSelector?: Record<string, string>;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string } };
  terminationGracePeriodSeconds?: number;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  volumes?: { name: string; hostPath?: unknown }[];
}

export function podSpec(deployment: KubeObject): PodSpec {
  return (deployment.spec as { template: { spec: PodSpec } }).template.spec;
}

/** The restricted Pod Security Standard, plus a read-only root filesystem. */
export function securityProblems(deployment: KubeObject): string[] {
  const pod = podSpec(deployment);
  const problems: string[] = [];
  if (pod.hostNetwork || pod.hostPID || pod.hostIPC) problems.push('shares a host namespace');
  if (pod.volumes?.some((volume) => volume.hostPath)) problems.push('mounts a hostPath');
  if (pod.securityContext?.runAsUser === 0) problems.push('pod runs as uid 0');
  for (const container of pod.containers) {
    const context = container.securityContext ?? {};
    const where = `container ${container.name}`;
    if (context.privileged) problems.push(`${where} is privileged`);
    if (context.allowPrivilegeEscalation !== false) problems.push(`${where} allows privilege escalation`);
    if (context.readOnlyRootFilesystem !== true) problems.push(`${where} has a writable root filesystem`);
    if (context.runAsNonRoot !== true && pod.securityContext?.runAsNonRoot !== true) problems.push(`${where} may run as root`);
    if (!context.capabilities?.drop?.includes('ALL')) problems.push(`${where} does not drop ALL capabilities`);
    if (context.capabilities?.add?.length) problems.push(`${where} adds capabilities`);
    const seccomp = context.seccompProfile?.type ?? pod.securityContext?.seccompProfile?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') problems.push(`${where} has no RuntimeDefault seccomp profile`);
  }
  return problems;
}

/**
 * Every image names its registry (a host with a dot or a port, or localhost: a bare
 * "dronedelivery/x" would be looked up on Docker Hub), and one pulled by tag is pulled
 * Always, since a tag can move to another image.
 */
export function imageProblems(deployment: KubeObject): string[] {
  const problems: string[] = [];
  for (const container of podSpec(deployment).containers) {
    const [first = '', ...rest] = container.image.split('/');
    const registry = /[.:]/.test(first) || first === 'localhost';
    if (!registry || rest.length === 0) problems.push(`container ${container.name}: ${container.image} names no registry`);
    const byDigest = container.image.includes('@sha256:');
    if (!byDigest && container.imagePullPolicy !== 'Always')
      problems.push(
        `container ${container.name}: ${container.image} is pulled by tag with ${container.imagePullPolicy ?? 'no'} pull policy`,
      );
  }
  return problems;
}

/** All three probes on the kit's endpoints, requests and limits for CPU and memory. */
export function containerProblems(deployment: KubeObject): string[] {
  const problems: string[] = [];
  const expected = { startupProbe: '/healthz/startup', readinessProbe: '/healthz/ready', livenessProbe: '/healthz/live' } as const;
  for (const container of podSpec(deployment).containers) {
    for (const [probe, path] of Object.entries(expected)) {
      const actual = container[probe as keyof typeof expected]?.httpGet?.path;
      if (actual !== path) problems.push(`container ${container.name}: ${probe} is ${actual ?? 'missing'}, expected ${path}`);
    }
    for (const kind of ['requests', 'limits'] as const)
      for (const resource of ['cpu', 'memory'])
        if (!container.resources?.[kind]?.[resource]) problems.push(`container ${container.name}: no ${resource} ${kind.slice(0, -1)}`);
  }
  return problems;
}

/** The grace period must cover the preStop sleep and the kit's hard shutdown timeout. */
export function shutdownProblems(deployment: KubeObject, objects: KubeObject[]): string[] {
  const pod = podSpec(deployment);
  const environment = environmentOf(deployment, objects);
  const hardTimeoutSeconds = Number(environment.SHUTDOWN_HARD_TIMEOUT_MS ?? 25_000) / 1000;
  const problems: string[] = [];
  for (const container of pod.containers) {
    const preStop = container.lifecycle?.preStop?.sleep?.seconds;
    if (!preStop) {
      problems.push(`container ${container.name}: no preStop sleep`);
      continue;
    }
    const grace = pod.terminationGracePeriodSeconds ?? 30;
    if (grace <= preStop + hardTimeoutSeconds)
      problems.push(`grace period ${grace}s does not cover preStop ${preStop}s + shutdown ${hardTimeoutSeconds}s`);
  }
  return problems;
}

/** Placeholder values for secret variables, valid for the service's schema (the real ones live in a Secret). */
const SECRET_STAND_INS: Record<string, string> = {
  JWT_SECRET: 'a-secret-that-is-long-enough-for-hs256-tokens',
  REDIS_PASSWORD: 'stand-in',
  WORKFLOW_ADMIN_TOKEN: 'stand-in-admin-token',
  COSMOS_KEY: 'stand-in',
  MONGODB_URL: 'mongodb://user:password@package.mongo.cosmos.azure.com:10255/?ssl=true',
  APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=00000000-0000-0000-0000-000000000000',
};

/** The environment a Deployment's container starts with: its ConfigMaps, then its env entries. */
export function environmentOf(deployment: KubeObject, objects: KubeObject[]): Record<string, string> {
  const container = podSpec(deployment).containers[0] as Container;
  const environment: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    const name = source.configMapRef?.name;
    const configMap = objects.find((object) => object.kind === 'ConfigMap' && object.metadata.name === name);
    if (!configMap) throw new Error(`${deployment.metadata.name}: ConfigMap ${name} is not rendered`);
    Object.assign(environment, configMap.data);
  }
  for (const variable of container.env ?? []) {
    if (variable.valueFrom?.secretKeyRef) environment[variable.name] = SECRET_STAND_INS[variable.name] ?? 'stand-in';
    else environment[variable.name] = variable.value ?? '';
  }
  return environment;
}

export function chartOf(deployment: KubeObject): ServiceChart {
  const name = deployment.metadata.labels?.['app.kubernetes.io/name'];
  if (!SERVICE_CHARTS.includes(name as ServiceChart)) throw new Error(`${deployment.metadata.name} is not a Drone Delivery service`);
  return name as ServiceChart;
}

/** Every variable is one the service reads, and the service would start with these values. */
export function environmentProblems(deployment: KubeObject, objects: KubeObject[]): string[] {
  const chart = chartOf(deployment);
  const environment = environmentOf(deployment, objects);
  const known = knownVariables(chart);
  const problems = Object.keys(environment)
    .filter((name) => !known.has(name))
    .map((name) => `${chart}: sets ${name}, which the service does not read`);
  try {
    loadConfig(chart, environmentSchema(chart), environment);
  } catch (error) {
    problems.push((error as Error).message);
  }
  return problems;
}

/**
 * Every Deployment is scaled by an HPA (or a KEDA ScaledObject), covered by a PDB and spread
 * over nodes by a topology spread constraint. A singleton (the simulator) instead runs exactly
 * one replica, no autoscaler, never two pods at once in a rollout, and a PDB that still lets a
 * drain evict its one pod.
 */
export function availabilityProblems(deployment: KubeObject, objects: KubeObject[]): string[] {
  const name = deployment.metadata.name;
  const problems: string[] = [];
  const scaled = objects.some(
    (object) =>
      (object.kind === 'HorizontalPodAutoscaler' || object.kind === 'ScaledObject') &&
      (specOf(object).scaleTargetRef as { name: string }).name === name,
  );
  const singleton = SINGLETON_CHARTS.has(deployment.metadata.labels?.['app.kubernetes.io/name'] ?? '');
  if (singleton) {
    const spec = deployment.spec as { replicas?: number; strategy?: { rollingUpdate?: { maxSurge?: number | string } } };
    if (scaled) problems.push(`${name} is a singleton but has an autoscaler`);
    if (spec.replicas !== 1) problems.push(`${name} is a singleton but runs ${spec.replicas ?? 'default'} replicas`);
    if (spec.strategy?.rollingUpdate?.maxSurge !== 0) problems.push(`${name} is a singleton but a rollout may run two pods`);
    const budget = objects.find((object) => object.kind === 'PodDisruptionBudget' && object.metadata.name === name);
    if (budget && Number(specOf(budget).maxUnavailable ?? 0) < 1) problems.push(`${name}'s PodDisruptionBudget blocks drains`);
  } else if (!scaled) problems.push(`${name} has no autoscaler`);
  const labels = (deployment.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
  const covered = objects.some((object) => {
    if (object.kind !== 'PodDisruptionBudget') return false;
    const selector = (specOf(object).selector as { matchLabels: Record<string, string> }).matchLabels;
    return Object.entries(selector).every(([key, value]) => labels[key] === value);
  });
  if (!covered) problems.push(`${name} has no PodDisruptionBudget`);
  // Replicas spread over nodes, so that one node's loss takes one replica (the singleton has one).
  const spread = podSpec(deployment).topologySpreadConstraints ?? [];
  if (!singleton && !spread.some((constraint) => constraint.topologyKey === 'kubernetes.io/hostname'))
    problems.push(`${name} is not spread over nodes`);
  return problems;
}
