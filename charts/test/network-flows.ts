// Which pods may open connections to which, worked out from rendered NetworkPolicies the
// way Kubernetes applies them: a connection needs an ingress rule on the receiving pod's
// policies and an egress rule on the sending pod's (when policies select the pod at all).
import type { KubeObject, Scenario } from '../scripts/render.ts';

export interface Actor {
  name: string;
  namespace: string;
  namespaceLabels: Record<string, string>;
  labels: Record<string, string>;
  /** Outside the cluster (matched only by ipBlock peers or rules without peers). */
  external?: boolean;
}

interface Peer {
  podSelector?: { matchLabels?: Record<string, string> };
  namespaceSelector?: { matchLabels?: Record<string, string> };
  ipBlock?: { cidr: string };
}
interface Rule {
  from?: Peer[];
  to?: Peer[];
  ports?: { port?: string | number; protocol?: string }[];
}
interface PolicySpec {
  podSelector: { matchLabels?: Record<string, string> };
  policyTypes?: string[];
  ingress?: Rule[];
  egress?: Rule[];
}

const subset = (wanted: Record<string, string> | undefined, labels: Record<string, string>) =>
  Object.entries(wanted ?? {}).every(([key, value]) => labels[key] === value);

function peerMatches(peer: Peer, actor: Actor, policyNamespace: string): boolean {
  if (peer.ipBlock) return Boolean(actor.external);
  if (actor.external) return false;
  const namespaceOk = peer.namespaceSelector
    ? subset(peer.namespaceSelector.matchLabels, actor.namespaceLabels)
    : actor.namespace === policyNamespace;
  const podOk = peer.podSelector ? subset(peer.podSelector.matchLabels, actor.labels) : true;
  return namespaceOk && podOk;
}

function ruleAllows(rule: Rule, peers: Peer[] | undefined, actor: Actor, policyNamespace: string, port: string | number): boolean {
  const peerOk = peers === undefined || peers.length === 0 || peers.some((peer) => peerMatches(peer, actor, policyNamespace));
  const portOk = !rule.ports?.length || rule.ports.some((candidate) => candidate.port === undefined || candidate.port === port);
  return peerOk && portOk;
}

function policiesSelecting(actor: Actor, policies: KubeObject[], type: 'Ingress' | 'Egress'): KubeObject[] {
  return policies.filter((policy) => {
    const spec = policy.spec as unknown as PolicySpec;
    const namespace = policy.metadata.namespace ?? 'dronedelivery';
    return (
      !actor.external &&
      namespace === actor.namespace &&
      subset(spec.podSelector.matchLabels, actor.labels) &&
      (spec.policyTypes ?? ['Ingress']).includes(type)
    );
  });
}

/** The flows architecture.md names, and no others. */
export const EXPECTED_FLOWS = [
  'console -> gateway',
  'gateway -> delivery',
  'gateway -> dronescheduler',
  'gateway -> ingestion',
  'gateway -> package',
  'gateway -> workflow',
  'ingress-nginx -> console',
  'ingress-nginx -> gateway',
  'simulator -> gateway',
  'workflow -> delivery',
  'workflow -> dronescheduler',
  'workflow -> package',
];

/**
 * Pods of the two monitoring set-ups the values files name, and their neighbours. Managed
 * Prometheus (production): the AKS metrics add-on's replicaset pods, which scrape
 * ServiceMonitor targets, beside its node DaemonSet and an unrelated kube-system pod.
 * Prometheus Operator (everything-on, kube-prometheus-stack in "monitoring"): Prometheus
 * itself, beside Grafana. Only the agent a values set names may reach a service.
 */
const MONITORING_PODS: { name: string; namespace: string; labels: Record<string, string> }[] = [
  { name: 'ama-metrics', namespace: 'kube-system', labels: { rsName: 'ama-metrics', 'kubernetes.azure.com/managedby': 'aks' } },
  { name: 'ama-metrics-node', namespace: 'kube-system', labels: { dsName: 'ama-metrics-node', 'kubernetes.azure.com/managedby': 'aks' } },
  { name: 'kube-system-pod', namespace: 'kube-system', labels: { 'k8s-app': 'konnectivity-agent' } },
  {
    name: 'prometheus',
    namespace: 'monitoring',
    labels: { 'app.kubernetes.io/name': 'prometheus', 'app.kubernetes.io/managed-by': 'prometheus-operator' },
  },
  { name: 'grafana', namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'grafana' } },
];

/** The monitoring agent each values set lets scrape every component (none by default). */
export const MONITORING_AGENT: Partial<Record<Scenario, string>> = { production: 'ama-metrics', everything: 'prometheus' };

/** "agent -> component" for every running component, when a values set names an agent. */
export function expectedScrapes(agent: string | undefined, running: readonly string[]): string[] {
  return agent ? running.map((component) => `${agent} -> ${component}`) : [];
}

/** The expected flows among the components that run (a flow to or from a component that is off is left out). */
export function expectedFlowsAmong(running: readonly string[], components: readonly string[]): string[] {
  return EXPECTED_FLOWS.filter((flow) => flow.split(' -> ').every((end) => !components.includes(end) || running.includes(end)));
}

/** Whether `from` may open a connection to `to` on `port` (a named port such as "http", or a number). */
export function allowed(from: Actor, to: Actor, port: string | number, policies: KubeObject[]): boolean {
  const ingressPolicies = policiesSelecting(to, policies, 'Ingress');
  const ingressOk =
    to.external ||
    ingressPolicies.length === 0 ||
    ingressPolicies.some((policy) =>
      ((policy.spec as unknown as PolicySpec).ingress ?? []).some((rule) =>
        ruleAllows(rule, rule.from, from, policy.metadata.namespace ?? 'dronedelivery', port),
      ),
    );
  const egressPolicies = policiesSelecting(from, policies, 'Egress');
  const egressOk =
    egressPolicies.length === 0 ||
    egressPolicies.some((policy) =>
      ((policy.spec as unknown as PolicySpec).egress ?? []).some((rule) =>
        ruleAllows(rule, rule.to, to, policy.metadata.namespace ?? 'dronedelivery', port),
      ),
    );
  return ingressOk && egressOk;
}

/**
 * One actor per Drone Delivery component, the ingress controller and its admission webhook,
 * the monitoring pods above, a pod elsewhere in the cluster, and the Internet.
 */
export function actors(components: string[], namespace = 'dronedelivery'): Actor[] {
  const namespaceLabels = (name: string) => ({ 'kubernetes.io/metadata.name': name });
  return [
    ...components.map((component) => ({
      name: component,
      namespace,
      namespaceLabels: namespaceLabels(namespace),
      labels: {
        'app.kubernetes.io/name': component,
        'app.kubernetes.io/part-of': 'dronedelivery',
        'app.kubernetes.io/instance': 'dronedelivery',
      },
    })),
    {
      name: 'ingress-nginx',
      namespace: 'ingress-nginx',
      namespaceLabels: namespaceLabels('ingress-nginx'),
      labels: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' },
    },
    // The same chart's admission webhook job: nothing to call.
    {
      name: 'ingress-nginx-admission',
      namespace: 'ingress-nginx',
      namespaceLabels: namespaceLabels('ingress-nginx'),
      labels: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'admission-webhook' },
    },
    ...MONITORING_PODS.map((pod) => ({ ...pod, namespaceLabels: namespaceLabels(pod.namespace) })),
    { name: 'other-namespace-pod', namespace: 'other', namespaceLabels: namespaceLabels('other'), labels: { app: 'anything' } },
    { name: 'same-namespace-stranger', namespace, namespaceLabels: namespaceLabels(namespace), labels: { app: 'debug' } },
    { name: 'internet', namespace: '', namespaceLabels: {}, labels: {}, external: true },
  ];
}

/** Every "a -> b" connection allowed on the services' http port among the given actors. */
export function flows(everyone: Actor[], policies: KubeObject[]): string[] {
  const result: string[] = [];
  for (const from of everyone)
    for (const to of everyone) {
      if (from === to || to.external || !to.labels['app.kubernetes.io/part-of']) continue;
      if (allowed(from, to, 'http', policies)) result.push(`${from.name} -> ${to.name}`);
    }
  return result.sort();
}
