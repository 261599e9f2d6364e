// The admission policies in k8s/policies, evaluated against Deployments the charts render:
// a compliant release (the production values, pinned by digest) passes every rule, and each
// way of breaking a rule is refused by that rule.
import { helmBinary, render } from '@dronedelivery/charts/scripts/render.ts';
import { SERVICE_CHARTS } from '@dronedelivery/charts/scripts/services.ts';
import { describe, expect, it } from 'vitest';
import { evaluate, type KubeObject, type Policy, patternMismatch, restrictedViolations, wildcardMatch } from '../src/admission-policy.ts';
import { EXAMPLE_REGISTRY, policiesFor } from '../src/policy-files.ts';

const policies = policiesFor(EXAMPLE_REGISTRY);
const policy = (name: string) => policies.find((candidate) => candidate.metadata.name === name) as Policy;
const DIGEST = `sha256:${'b'.repeat(64)}`;

function deployment(chart: string, set: string[] = []): KubeObject {
  const object = render(chart, 'production', [`image.digest=${DIGEST}`, ...set]).find(
    (candidate) => candidate.kind === 'Deployment',
  ) as KubeObject;
  return { ...object, metadata: { ...object.metadata, namespace: 'dronedelivery' } };
}

function results(resource: KubeObject) {
  return policies.flatMap((candidate) => evaluate(candidate, resource));
}

describe('the pattern semantics the policies rely on', () => {
  it('wildcards', () => {
    expect(wildcardMatch('registry.io/team/*', 'registry.io/team/gateway@sha256:abc')).toBe(true);
    expect(wildcardMatch('registry.io/team/*', 'evil.io/registry.io/team/gateway')).toBe(false);
    expect(wildcardMatch('*@sha256:*', 'registry.io/team/gateway:1.0')).toBe(false);
    expect(wildcardMatch('?*', '')).toBe(false);
  });

  it('optional anchors, lists element by element, and unsupported syntax refused', () => {
    const pattern = { spec: { '=(initContainers)': [{ image: 'ok/*' }], containers: [{ image: 'ok/*' }] } };
    expect(patternMismatch(pattern, { spec: { containers: [{ image: 'ok/a' }, { image: 'ok/b' }] } })).toBeUndefined();
    expect(patternMismatch(pattern, { spec: { containers: [{ image: 'ok/a' }, { image: 'no/b' }] } })).toContain('containers[1].image');
    expect(patternMismatch(pattern, { spec: { initContainers: [{ image: 'no/x' }], containers: [] } })).toContain('initContainers[0]');
    expect(() => patternMismatch({ image: '!*:latest' }, { image: 'a' })).toThrow('unsupported');
    expect(() => patternMismatch({ 'X(hostPath)': 'null' }, {})).toThrow('unsupported');
  });

  it('the restricted standard, check by check', () => {
    const pod: Parameters<typeof restrictedViolations>[0] = {
      securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } },
      volumes: [{ name: 'tmp', emptyDir: {} }],
      containers: [
        {
          name: 'app',
          image: 'registry.example/app@sha256:abc',
          securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
        },
      ],
    };
    expect(restrictedViolations(pod)).toEqual([]);
    const bad = structuredClone(pod);
    bad.hostNetwork = true;
    bad.volumes = [{ name: 'root', hostPath: { path: '/' } }];
    (bad.containers[0] as { securityContext: object }).securityContext = { privileged: true, capabilities: { add: ['SYS_ADMIN'] } };
    expect(restrictedViolations(bad).join('; ')).toMatch(
      /host namespaces.*volume type hostPath.*privileged.*allowPrivilegeEscalation.*capabilities added/,
    );
  });
});

describe.skipIf(!helmBinary)('k8s/policies against rendered Deployments', () => {
  it('there are the three policies: trusted images, signed images, restricted pods', () => {
    expect(policies.map((candidate) => candidate.metadata.name).sort()).toEqual([
      'dronedelivery-restricted-pods',
      'dronedelivery-signed-images',
      'dronedelivery-trusted-images',
    ]);
  });

  it.each(SERVICE_CHARTS)('%s, released from the registry by digest, passes every rule', (chart) => {
    const outcome = results(deployment(chart));
    expect(outcome.filter((result) => result.result !== 'pass')).toEqual([]);
    expect(outcome).toHaveLength(5);
  });

  it('an image by tag is refused (not pinned) and so is one from another registry', () => {
    const tagged = structuredClone(deployment('gateway'));
    const container = (tagged.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0] as {
      image: string;
    };
    container.image = 'dronedeliveryacr.azurecr.io/dronedelivery/gateway:0.1.0';
    expect(evaluate(policy('dronedelivery-trusted-images'), tagged).map((result) => result.result)).toEqual(['pass', 'fail']);
    expect(evaluate(policy('dronedelivery-signed-images'), tagged)[0]?.result).toBe('fail');
    const elsewhere = deployment('gateway', ['image.registry=docker.io']);
    expect(evaluate(policy('dronedelivery-trusted-images'), elsewhere).map((result) => result.result)).toEqual(['fail', 'pass']);
    // Out of the signature rule's scope entirely: the trusted-images rule is what stops it.
    expect(evaluate(policy('dronedelivery-signed-images'), elsewhere)[0]?.result).toBe('skip');
  });

  it('the default chart values (a tag, no registry) are refused in the namespace', () => {
    const object = render('delivery', 'default').find((candidate) => candidate.kind === 'Deployment') as KubeObject;
    const outcome = evaluate(policy('dronedelivery-trusted-images'), {
      ...object,
      metadata: { ...object.metadata, namespace: 'dronedelivery' },
    });
    expect(outcome.map((result) => result.result)).toEqual(['fail', 'fail']);
  });

  it('a privileged container, a writable root filesystem or missing limits are refused', () => {
    const base = deployment('package');
    const variant = (change: (container: Record<string, unknown>) => void) => {
      const copy = structuredClone(base);
      change(
        (copy.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec.containers[0] as Record<
          string,
          unknown
        >,
      );
      return evaluate(policy('dronedelivery-restricted-pods'), copy).map((result) => result.result);
    };
    expect(variant((container) => ((container.securityContext as Record<string, unknown>).privileged = true))).toEqual(['fail', 'pass']);
    expect(variant((container) => ((container.securityContext as Record<string, unknown>).readOnlyRootFilesystem = false))).toEqual([
      'pass',
      'fail',
    ]);
    expect(variant((container) => delete (container.resources as Record<string, unknown>).limits)).toEqual(['pass', 'fail']);
  });

  it('pods in other namespaces are not this policy set’s business', () => {
    const object = deployment('gateway', ['image.registry=docker.io']);
    expect(
      results({ ...object, metadata: { ...object.metadata, namespace: 'kube-system' } }).every((result) => result.result === 'skip'),
    ).toBe(true);
  });
});
