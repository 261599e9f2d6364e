// The cluster-level manifests under k8s/: valid objects, a namespace that enforces the
// restricted Pod Security Standard, a quota that a rolling update of every service at its
// autoscaling maximum fits in, default-deny networking, and roles that cannot read Secrets.
import { describe, expect, it } from 'vitest';
import { workloadsAt } from '../scripts/node-pool.ts';
import { clusterManifests, cpuMillis, helmBinary, type KubeObject, memoryBytes, render, SCENARIOS, specOf } from '../scripts/render.ts';
import { SERVICE_CHARTS } from '../scripts/services.ts';
import { schemaProblems } from './kube-schemas.ts';
import { actors, EXPECTED_FLOWS, expectedScrapes, flows, MONITORING_AGENT } from './network-flows.ts';
import { podSpec } from './policies.ts';

const manifests = clusterManifests();
const CLUSTER_SCOPED = new Set(['Namespace', 'PriorityClass']);
const find = (kind: string) => manifests.filter((object) => object.kind === kind);

describe('k8s/ cluster manifests', () => {
  it('are valid Kubernetes objects, all in the dronedelivery namespace', () => {
    expect(manifests.length).toBeGreaterThanOrEqual(8);
    for (const object of manifests) {
      expect(schemaProblems(object), `${object.kind}/${object.metadata.name}`).toEqual([]);
      if (!CLUSTER_SCOPED.has(object.kind)) expect(object.metadata.namespace).toBe('dronedelivery');
    }
  });

  it('the namespace enforces, audits and warns on the restricted Pod Security Standard', () => {
    const labels = find('Namespace')[0]?.metadata.labels ?? {};
    for (const mode of ['enforce', 'audit', 'warn']) expect(labels[`pod-security.kubernetes.io/${mode}`]).toBe('restricted');
  });

  it('denies all traffic by default and allows DNS', () => {
    const policies = find('NetworkPolicy');
    const denyAll = policies.find((policy) => {
      const spec = policy.spec as { podSelector: object; policyTypes: string[]; ingress?: unknown[]; egress?: unknown[] };
      return Object.keys(spec.podSelector).length === 0 && spec.policyTypes.length === 2 && !spec.ingress && !spec.egress;
    });
    expect(denyAll).toBeDefined();
    const dns = policies.flatMap((policy) => (policy.spec as { egress?: { ports: { port: number; protocol: string }[] }[] }).egress ?? []);
    expect(dns.flatMap((rule) => rule.ports)).toEqual(
      expect.arrayContaining([
        { port: 53, protocol: 'UDP' },
        { port: 53, protocol: 'TCP' },
      ]),
    );
  });

  it('no role can read Secrets, use wildcards, or escalate', () => {
    for (const role of find('Role')) {
      for (const rule of role.rules as { resources: string[]; verbs: string[] }[]) {
        expect(rule.resources, role.metadata.name).not.toContain('secrets');
        expect([...rule.resources, ...rule.verbs], role.metadata.name).not.toContain('*');
        for (const verb of ['escalate', 'bind', 'impersonate']) expect(rule.verbs).not.toContain(verb);
      }
    }
    // Workloads change through the pipeline only: a changed pod template could mount any
    // Secret or run as another service's identity.
    for (const role of find('Role')) {
      for (const rule of role.rules as { apiGroups: string[]; resources: string[]; verbs: string[] }[]) {
        const workloads = rule.resources.filter((resource) =>
          ['deployments', 'replicasets', 'statefulsets', 'daemonsets', 'jobs', 'cronjobs', 'pods'].includes(resource),
        );
        if (workloads.length === 0) continue;
        const changes = rule.verbs.filter((verb) => ['create', 'update', 'patch'].includes(verb));
        expect(changes, `${role.metadata.name} may ${changes.join(', ')} ${workloads.join(', ')}`).toEqual([]);
      }
    }
    const reader = find('Role').find((role) => role.metadata.name === 'dronedelivery-reader');
    const readerRules = (reader?.rules ?? []) as { resources: string[]; verbs: string[] }[];
    expect(readerRules.flatMap((rule) => rule.verbs).every((verb) => ['get', 'list', 'watch'].includes(verb))).toBe(true);
    expect(readerRules.flatMap((rule) => rule.resources)).not.toContain('pods/log');
  });
});

describe.skipIf(!helmBinary)('k8s/ manifests with the charts', () => {
  const quota = (specOf(find('ResourceQuota')[0] as KubeObject) as unknown as { hard: Record<string, string> }).hard;
  const limitRange = (specOf(find('LimitRange')[0] as KubeObject) as unknown as { limits: { max: { cpu: string; memory: string } }[] })
    .limits[0];

  it.each([
    ['default', ['simulator.enabled=true']],
    ['production', []],
    ['everything', []],
  ] as const)(
    'the %s install (default: with the simulator) fits the quota, every service at its autoscaling maximum plus one surge pod',
    (scenario, sets) => {
      const workloads = workloadsAt(render('dronedelivery', scenario, [...sets]), 'peak');
      const total = (pick: (workload: (typeof workloads)[number]) => number) =>
        workloads.reduce((sum, workload) => sum + workload.replicas * pick(workload), 0);
      const pods = total(() => 1);
      const totals = {
        'requests.cpu': total((workload) => workload.requests.cpu),
        'requests.memory': total((workload) => workload.requests.memory),
        'limits.cpu': total((workload) => workload.limits.cpu),
        'limits.memory': total((workload) => workload.limits.memory),
      };
      expect(pods).toBeLessThanOrEqual(Number(quota.pods));
      expect(totals['requests.cpu']).toBeLessThanOrEqual(cpuMillis(quota['requests.cpu'] as string));
      expect(totals['requests.memory']).toBeLessThanOrEqual(memoryBytes(quota['requests.memory'] as string));
      expect(totals['limits.cpu']).toBeLessThanOrEqual(cpuMillis(quota['limits.cpu'] as string));
      expect(totals['limits.memory']).toBeLessThanOrEqual(memoryBytes(quota['limits.memory'] as string));
    },
  );

  it.each(SCENARIOS)(
    'the %s install names only PriorityClasses k8s/ creates, and spreads pods only over nodes they may run on',
    (scenario) => {
      const classes = new Set(find('PriorityClass').map((object) => object.metadata.name));
      for (const deployment of render('dronedelivery', scenario).filter((object: KubeObject) => object.kind === 'Deployment')) {
        const pod = podSpec(deployment) as { priorityClassName?: string; topologySpreadConstraints?: Record<string, unknown>[] };
        if (pod.priorityClassName) expect(classes, deployment.metadata.name).toContain(pod.priorityClassName);
        for (const constraint of pod.topologySpreadConstraints ?? []) {
          // A tainted pool (the system pool, spot nodes) must not count as a node with zero pods.
          expect(constraint.nodeTaintsPolicy, deployment.metadata.name).toBe('Honor');
          expect(constraint.nodeAffinityPolicy, deployment.metadata.name).toBe('Honor');
        }
      }
    },
  );

  it.each(SCENARIOS)('no container of the %s install exceeds the LimitRange maximum', (scenario) => {
    for (const deployment of render('dronedelivery', scenario).filter((object: KubeObject) => object.kind === 'Deployment'))
      for (const container of podSpec(deployment).containers) {
        const limits = (container.resources as { limits: Record<string, string> }).limits;
        expect(cpuMillis(limits.cpu as string)).toBeLessThanOrEqual(cpuMillis(limitRange?.max.cpu as string));
        expect(memoryBytes(limits.memory as string)).toBeLessThanOrEqual(memoryBytes(limitRange?.max.memory as string));
      }
  });

  it('with the namespace policies applied too, the flows are still exactly those of the architecture', () => {
    const policies = [
      ...find('NetworkPolicy'),
      ...render('dronedelivery', 'production').filter((object) => object.kind === 'NetworkPolicy'),
    ];
    // Every component an actor, the simulator too: the namespace's default deny keeps a pod
    // without a chart's policy (the simulator is off in production) from any flow.
    const running = SERVICE_CHARTS.filter((chart) => chart !== 'simulator');
    expect(flows(actors([...SERVICE_CHARTS]), policies)).toEqual(
      [...EXPECTED_FLOWS.filter((flow) => !flow.startsWith('simulator')), ...expectedScrapes(MONITORING_AGENT.production, running)].sort(),
    );
    const everything = [
      ...find('NetworkPolicy'),
      ...render('dronedelivery', 'everything').filter((object) => object.kind === 'NetworkPolicy'),
    ];
    expect(flows(actors([...SERVICE_CHARTS]), everything)).toEqual(
      [...EXPECTED_FLOWS, ...expectedScrapes(MONITORING_AGENT.everything, SERVICE_CHARTS)].sort(),
    );
    expect(flows(actors([...SERVICE_CHARTS]), policies)).not.toContain('same-namespace-stranger -> gateway');
  });
});
