// Evaluates the Kyverno policies under k8s/policies against rendered objects, for the parts
// of Kyverno's semantics those policies use: match by kind and namespace, Pod rules applied
// to a Deployment's pod template (autogen), validate patterns (wildcards `*` and `?`, the
// optional anchor `=(key)`, arrays matched element by element), the podSecurity rule at the
// restricted level, and which images a verifyImages rule covers. Anything else in a policy
// throws rather than being silently ignored. (Kyverno's own CLI cannot be installed here: its
// module has replace directives, so `go install` refuses it.)

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
}

interface ResourceFilter {
  resources: { kinds: string[]; namespaces?: string[] };
}
interface Rule {
  name: string;
  match: { any: ResourceFilter[] };
  validate?: { failureAction?: string; message?: string; pattern?: unknown; podSecurity?: { level: string; version?: string } };
  verifyImages?: { imageReferences: string[]; required?: boolean; verifyDigest?: boolean; attestors?: { entries: unknown[] }[] }[];
}
export interface Policy {
  kind: string;
  metadata: { name: string };
  spec: { rules: Rule[] };
}

export interface RuleResult {
  policy: string;
  rule: string;
  result: 'pass' | 'fail' | 'skip';
  message?: string;
}

/** `*` any run of characters, `?` one character; everything else literal. */
export function wildcardMatch(pattern: string, value: string): boolean {
  const expression = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${expression}$`, 's').test(value);
}

const OPERATORS = /^(<=|>=|<|>|!|\||&)|\|/;

/** Where `value` breaks `pattern`, or undefined when it matches. */
export function patternMismatch(pattern: unknown, value: unknown, path = ''): string | undefined {
  if (typeof pattern === 'string') {
    if (OPERATORS.test(pattern)) throw new Error(`unsupported pattern operator in "${pattern}" at ${path}`);
    if (value === undefined || value === null) return `${path}: missing, expected "${pattern}"`;
    return wildcardMatch(pattern, String(value)) ? undefined : `${path}: "${String(value)}" does not match "${pattern}"`;
  }
  if (typeof pattern === 'boolean' || typeof pattern === 'number')
    return value === pattern ? undefined : `${path}: ${JSON.stringify(value)} is not ${pattern}`;
  if (Array.isArray(pattern)) {
    if (pattern.length !== 1) throw new Error(`only one-element array patterns are supported, at ${path}`);
    if (!Array.isArray(value)) return `${path}: expected a list`;
    for (const [index, element] of value.entries()) {
      const mismatch = patternMismatch(pattern[0], element, `${path}[${index}]`);
      if (mismatch) return mismatch;
    }
    return undefined;
  }
  if (pattern && typeof pattern === 'object') {
    if (!value || typeof value !== 'object') return `${path}: expected an object`;
    for (const [rawKey, inner] of Object.entries(pattern)) {
      const optional = /^=\((.+)\)$/.exec(rawKey);
      if (!optional && /^[A-Z^+<=]?\(/.test(rawKey)) throw new Error(`unsupported anchor ${rawKey} at ${path}`);
      const key = optional ? (optional[1] as string) : rawKey;
      const present = (value as Record<string, unknown>)[key];
      if (optional && present === undefined) continue;
      const mismatch = patternMismatch(inner, present, `${path}.${key}`);
      if (mismatch) return mismatch;
    }
    return undefined;
  }
  throw new Error(`unsupported pattern ${JSON.stringify(pattern)} at ${path}`);
}

interface Container {
  name: string;
  image: string;
  ports?: { hostPort?: number }[];
  securityContext?: {
    privileged?: boolean;
    allowPrivilegeEscalation?: boolean;
    runAsNonRoot?: boolean;
    runAsUser?: number;
    capabilities?: { add?: string[]; drop?: string[] };
    seccompProfile?: { type: string };
  };
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  ephemeralContainers?: Container[];
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string } };
  volumes?: Record<string, unknown>[];
}

const RESTRICTED_VOLUME_TYPES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);

/** The restricted Pod Security Standard (latest), check by check. */
export function restrictedViolations(pod: PodSpec): string[] {
  const problems: string[] = [];
  if (pod.hostNetwork || pod.hostPID || pod.hostIPC) problems.push('host namespaces');
  for (const volume of pod.volumes ?? []) {
    const type = Object.keys(volume).find((key) => key !== 'name');
    if (type && !RESTRICTED_VOLUME_TYPES.has(type)) problems.push(`volume type ${type}`);
  }
  const containers = [...pod.containers, ...(pod.initContainers ?? []), ...(pod.ephemeralContainers ?? [])];
  for (const container of containers) {
    const context = container.securityContext ?? {};
    const where = `container ${container.name}`;
    if (context.privileged) problems.push(`${where}: privileged`);
    if (container.ports?.some((port) => port.hostPort)) problems.push(`${where}: hostPort`);
    if (context.allowPrivilegeEscalation !== false) problems.push(`${where}: allowPrivilegeEscalation != false`);
    if (!(context.runAsNonRoot ?? pod.securityContext?.runAsNonRoot)) problems.push(`${where}: runAsNonRoot != true`);
    if ((context.runAsUser ?? pod.securityContext?.runAsUser) === 0) problems.push(`${where}: runAsUser = 0`);
    if (!context.capabilities?.drop?.includes('ALL')) problems.push(`${where}: capabilities not dropped (ALL)`);
    if (context.capabilities?.add?.some((capability) => capability !== 'NET_BIND_SERVICE')) problems.push(`${where}: capabilities added`);
    const seccomp = context.seccompProfile?.type ?? pod.securityContext?.seccompProfile?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') problems.push(`${where}: seccompProfile`);
  }
  return problems;
}

/** The Pod a rule for Pods sees: the object itself, or a controller's pod template (autogen). */
function asPod(resource: KubeObject): { metadata: KubeObject['metadata']; spec: PodSpec } | undefined {
  if (resource.kind === 'Pod') return resource as unknown as { metadata: KubeObject['metadata']; spec: PodSpec };
  const template = (resource.spec as { template?: { metadata?: KubeObject['metadata']; spec: PodSpec } } | undefined)?.template;
  if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'].includes(resource.kind) && template)
    return { metadata: { ...resource.metadata, ...template.metadata, namespace: resource.metadata.namespace }, spec: template.spec };
  return undefined;
}

function matches(rule: Rule, resource: KubeObject): boolean {
  return rule.match.any.some(({ resources }) => {
    const kindOk = resources.kinds.includes('Pod') ? asPod(resource) !== undefined : resources.kinds.includes(resource.kind);
    const namespaceOk = !resources.namespaces || resources.namespaces.includes(resource.metadata.namespace ?? '');
    return kindOk && namespaceOk;
  });
}

function images(pod: PodSpec): string[] {
  return [...pod.containers, ...(pod.initContainers ?? []), ...(pod.ephemeralContainers ?? [])].map((container) => container.image);
}

/** Every rule of `policy` applied to `resource`. */
export function evaluate(policy: Policy, resource: KubeObject): RuleResult[] {
  return policy.spec.rules.map((rule) => {
    const outcome = { policy: policy.metadata.name, rule: rule.name };
    const pod = asPod(resource);
    if (!matches(rule, resource) || !pod) return { ...outcome, result: 'skip' as const };
    if (rule.validate?.pattern !== undefined) {
      const mismatch = patternMismatch(rule.validate.pattern, pod, '');
      return mismatch
        ? { ...outcome, result: 'fail' as const, message: `${rule.validate.message ?? ''} ${mismatch}`.trim() }
        : { ...outcome, result: 'pass' as const };
    }
    if (rule.validate?.podSecurity) {
      if (rule.validate.podSecurity.level !== 'restricted')
        throw new Error(`podSecurity level ${rule.validate.podSecurity.level} is not supported`);
      const problems = restrictedViolations(pod.spec);
      return problems.length
        ? { ...outcome, result: 'fail' as const, message: problems.join('; ') }
        : { ...outcome, result: 'pass' as const };
    }
    if (rule.verifyImages) {
      // The signature itself is checked by cosign (the local pipeline); here: which images the
      // rule covers, and that each is pinned so the signature that was checked is what runs.
      const covered = images(pod.spec).filter((image) =>
        rule.verifyImages?.some((entry) => entry.imageReferences.some((reference) => wildcardMatch(reference, image))),
      );
      if (covered.length === 0) return { ...outcome, result: 'skip' as const, message: 'no image of this pod is covered' };
      const unpinned = covered.filter((image) => !image.includes('@sha256:'));
      return unpinned.length
        ? { ...outcome, result: 'fail' as const, message: `not pinned by digest: ${unpinned.join(', ')}` }
        : { ...outcome, result: 'pass' as const };
    }
    throw new Error(`rule ${rule.name}: no supported validate or verifyImages clause`);
  });
}
