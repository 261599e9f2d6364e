// How many user nodes the production install needs, per availability zone: the pods at peak
// (every service at its autoscaling maximum plus a rolling update's surge pod, and the ingress
// controller) times their requests, divided by what one node of the chosen VM size can allocate.
//   pnpm --filter @dronedelivery/charts node-pool     (prints the arithmetic)
// k8s/aks/provision.sh's node-pool defaults are this result; a test keeps them equal.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { cpuMillis, type KubeObject, memoryBytes, minimumReplicas, render, repositoryDirectory, specOf } from './render.ts';

const MiB = 2 ** 20;

/** One Deployment's pods at a scale, and what each pod's containers request and may use. */
export interface Workload {
  name: string;
  replicas: number;
  requests: { cpu: number; memory: number };
  limits: { cpu: number; memory: number };
}

/**
 * The user pools' VM size. Standard_D8ds_v5: 8 vCPUs, 32 GiB. Fewer, larger nodes leave more of
 * each node to the services (the DaemonSets cost the same on every node). maxPods is set on the
 * pools (provision.sh --max-pods): AKS reserves memory per possible pod, so 250 (the overlay
 * default) would reserve 5 GiB a node for pods that cannot fit anyway.
 */
export const USER_POOL = { vmSize: 'Standard_D8ds_v5', vcpus: 8, memoryMiB: 32 * 1024, maxPods: 50, zones: 3 };

/** kube-reserved CPU by the node's core count (AKS). */
const KUBE_RESERVED_CPU: Record<number, number> = { 1: 60, 2: 100, 4: 140, 8: 180, 16: 260, 32: 420, 64: 740 };
/** AKS 1.29 and later: kubelet evicts pods below 100 MiB available. */
const EVICTION_THRESHOLD_MIB = 100;

/**
 * What AKS's own DaemonSets take on every node (Cilium, the CSI drivers, the Key Vault
 * provider, Azure Monitor's agents, cloud-node-manager...). An allowance, not a measurement:
 * `kubectl describe node` lists the real requests under "Non-terminated Pods".
 */
export const DAEMONSET_ALLOWANCE = { pods: 15, cpu: 1000, memoryMiB: 2048 };

/** What one node offers the workloads: allocatable (total minus AKS's reservations) minus the DaemonSets. */
export function allocatablePerNode(pool = USER_POOL): { cpu: number; memoryMiB: number; pods: number; reserved: string } {
  const reservedCpu = KUBE_RESERVED_CPU[pool.vcpus];
  if (reservedCpu === undefined) throw new Error(`no kube-reserved CPU figure for ${pool.vcpus} cores`);
  // AKS 1.29 and later: the smaller of 20 MB per pod the node may run plus 50 MB, and 25 % of its memory.
  const reservedMemory = Math.min(20 * pool.maxPods + 50, pool.memoryMiB / 4);
  return {
    cpu: pool.vcpus * 1000 - reservedCpu - DAEMONSET_ALLOWANCE.cpu,
    memoryMiB: pool.memoryMiB - reservedMemory - EVICTION_THRESHOLD_MIB - DAEMONSET_ALLOWANCE.memoryMiB,
    pods: pool.maxPods - DAEMONSET_ALLOWANCE.pods,
    reserved: `${reservedCpu}m CPU, ${reservedMemory} MiB kube-reserved + ${EVICTION_THRESHOLD_MIB} MiB eviction threshold`,
  };
}

const targetOf = (object: KubeObject) => (specOf(object).scaleTargetRef as { name: string }).name;

/** The replicas a Deployment reaches at peak: its autoscaler's maximum (KEDA's, else the HPA's, else its replica count) plus its surge pod. */
function peakReplicas(deployment: KubeObject, objects: KubeObject[]): number {
  const scaledBy = (kind: string) => objects.find((object) => object.kind === kind && targetOf(object) === deployment.metadata.name);
  const maximum =
    (scaledBy('ScaledObject')?.spec?.maxReplicaCount as number | undefined) ??
    (scaledBy('HorizontalPodAutoscaler')?.spec?.maxReplicas as number | undefined) ??
    (specOf(deployment).replicas as number);
  const surge = Number((specOf(deployment) as { strategy: { rollingUpdate: { maxSurge: number } } }).strategy.rollingUpdate.maxSurge);
  return maximum + surge;
}

/** Every Deployment of a rendered install at its minimum scale or at peak. */
export function workloadsAt(objects: KubeObject[], scale: 'minimum' | 'peak'): Workload[] {
  return objects
    .filter((object) => object.kind === 'Deployment')
    .map((deployment) => {
      const containers = (
        specOf(deployment) as {
          template: { spec: { containers: { resources: { requests: Record<string, string>; limits: Record<string, string> } }[] } };
        }
      ).template.spec.containers;
      const sum = (pick: (resources: { requests: Record<string, string>; limits: Record<string, string> }) => number) =>
        containers.reduce((total, container) => total + pick(container.resources), 0);
      return {
        name: deployment.metadata.name,
        replicas: scale === 'peak' ? peakReplicas(deployment, objects) : minimumReplicas(deployment, objects),
        requests: { cpu: sum((r) => cpuMillis(r.requests.cpu ?? 0)), memory: sum((r) => memoryBytes(r.requests.memory ?? 0)) },
        limits: { cpu: sum((r) => cpuMillis(r.limits.cpu ?? 0)), memory: sum((r) => memoryBytes(r.limits.memory ?? 0)) },
      };
    });
}

/** The ingress controller, from k8s/ingress-nginx/values.yaml: its replicas (plus a surge pod at peak). */
function ingressController(scale: 'minimum' | 'peak'): Workload {
  const values = parse(readFileSync(join(repositoryDirectory, 'k8s/ingress-nginx/values.yaml'), 'utf8')) as {
    controller: { replicaCount: number; resources: { requests: { cpu: string; memory: string }; limits: { memory: string } } };
  };
  const { replicaCount, resources } = values.controller;
  return {
    name: 'ingress-nginx-controller',
    replicas: replicaCount + (scale === 'peak' ? 1 : 0),
    requests: { cpu: cpuMillis(resources.requests.cpu), memory: memoryBytes(resources.requests.memory) },
    limits: { cpu: 0, memory: memoryBytes(resources.limits.memory) },
  };
}

export interface ZoneDemand {
  workloads: { name: string; replicas: number; perZone: number; cpu: number; memoryMiB: number }[];
  pods: number;
  cpu: number;
  memoryMiB: number;
  nodes: number;
}

/**
 * One zone's share: the charts spread each Deployment evenly over the zones (maxSkew 1,
 * DoNotSchedule in production), so a zone holds at most ceil(replicas / zones) of each.
 */
export function zoneDemand(workloads: Workload[], pool = USER_POOL): ZoneDemand {
  const rows = workloads.map((workload) => {
    const perZone = Math.ceil(workload.replicas / pool.zones);
    return {
      name: workload.name,
      replicas: workload.replicas,
      perZone,
      cpu: perZone * workload.requests.cpu,
      memoryMiB: (perZone * workload.requests.memory) / MiB,
    };
  });
  const total = (pick: (row: (typeof rows)[number]) => number) => rows.reduce((sum, row) => sum + pick(row), 0);
  const pods = total((row) => row.perZone);
  const cpu = total((row) => row.cpu);
  const memoryMiB = total((row) => row.memoryMiB);
  const node = allocatablePerNode(pool);
  const nodes = Math.max(1, Math.ceil(Math.max(cpu / node.cpu, memoryMiB / node.memoryMiB, pods / node.pods)));
  return { workloads: rows, pods, cpu, memoryMiB, nodes };
}

/** The user pools' autoscaler bounds, one pool per zone: nodes at minimum scale and at peak. */
export function nodePoolSize(): {
  vmSize: string;
  maxPods: number;
  zones: number;
  minPerZone: number;
  maxPerZone: number;
  peak: ZoneDemand;
  minimum: ZoneDemand;
} {
  const objects = render('dronedelivery', 'production');
  const peak = zoneDemand([...workloadsAt(objects, 'peak'), ingressController('peak')]);
  const minimum = zoneDemand([...workloadsAt(objects, 'minimum'), ingressController('minimum')]);
  return {
    vmSize: USER_POOL.vmSize,
    maxPods: USER_POOL.maxPods,
    zones: USER_POOL.zones,
    minPerZone: minimum.nodes,
    maxPerZone: peak.nodes,
    peak,
    minimum,
  };
}

function report(): void {
  const size = nodePoolSize();
  const node = allocatablePerNode();
  const lines = [
    `User pools: ${USER_POOL.vmSize} (${USER_POOL.vcpus} vCPUs, ${USER_POOL.memoryMiB / 1024} GiB), max ${USER_POOL.maxPods} pods a node, one pool per zone (${USER_POOL.zones}).`,
    `AKS reserves ${node.reserved}; DaemonSet allowance ${DAEMONSET_ALLOWANCE.pods} pods, ${DAEMONSET_ALLOWANCE.cpu}m CPU, ${DAEMONSET_ALLOWANCE.memoryMiB} MiB.`,
    `Left for workloads per node: ${node.cpu}m CPU, ${node.memoryMiB} MiB, ${node.pods} pods.`,
    '',
    '| workload (production, at peak) | pods | per zone | CPU per zone | memory per zone |',
    '|---|---:|---:|---:|---:|',
    ...size.peak.workloads.map((row) => `| ${row.name} | ${row.replicas} | ${row.perZone} | ${row.cpu}m | ${row.memoryMiB} MiB |`),
    `| **one zone** | | ${size.peak.pods} | ${size.peak.cpu}m | ${size.peak.memoryMiB} MiB |`,
    '',
    `Peak, per zone: max(${size.peak.cpu} / ${node.cpu} CPU, ${size.peak.memoryMiB} / ${node.memoryMiB} memory, ${size.peak.pods} / ${node.pods} pods)` +
      ` = max(${(size.peak.cpu / node.cpu).toFixed(2)}, ${(size.peak.memoryMiB / node.memoryMiB).toFixed(2)}, ${(size.peak.pods / node.pods).toFixed(2)}) → ${size.maxPerZone} nodes`,
    `Minimum scale, per zone: ${size.minimum.pods} pods, ${size.minimum.cpu}m CPU, ${size.minimum.memoryMiB} MiB → ${size.minPerZone} node(s)`,
    `Autoscaler: ${size.minPerZone}..${size.maxPerZone} nodes in each of ${size.zones} pools (${size.minPerZone * size.zones}..${size.maxPerZone * size.zones} nodes, ${size.maxPerZone * size.zones * USER_POOL.vcpus} vCPUs at most).`,
  ];
  console.log(lines.join('\n'));
}

if (import.meta.main) report();
