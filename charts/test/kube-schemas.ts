// Validates rendered objects against the Kubernetes OpenAPI schemas of a current release
// (kubernetes-models) and the CRDs the charts use: KEDA, Prometheus Operator, and the
// Secrets Store CSI driver's SecretProviderClass (no published model; its v1 CRD is small
// and written out below from the driver's CRD).
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { PriorityClass } from 'kubernetes-models/scheduling.k8s.io/v1/PriorityClass';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { LimitRange } from 'kubernetes-models/v1/LimitRange';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { ResourceQuota } from 'kubernetes-models/v1/ResourceQuota';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { z } from 'zod';
import type { KubeObject } from '../scripts/render.ts';

const dnsName = z
  .string()
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);

/** secrets-store.csi.x-k8s.io/v1 SecretProviderClass, as the driver's CRD defines it. */
const SecretProviderClass = z.strictObject({
  apiVersion: z.literal('secrets-store.csi.x-k8s.io/v1'),
  kind: z.literal('SecretProviderClass'),
  metadata: z.looseObject({ name: dnsName }),
  spec: z.strictObject({
    provider: z.string().min(1),
    parameters: z.record(z.string(), z.string()).optional(),
    secretObjects: z
      .array(
        z.strictObject({
          secretName: dnsName,
          type: z.string(),
          labels: z.record(z.string(), z.string()).optional(),
          annotations: z.record(z.string(), z.string()).optional(),
          data: z.array(z.strictObject({ objectName: z.string().min(1), key: z.string().min(1) })),
        }),
      )
      .optional(),
  }),
});

interface Model {
  validate(): void;
}
type ModelClass = new (data: never) => Model;

const models: Record<string, ModelClass> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'v1/Namespace': Namespace,
  'v1/ResourceQuota': ResourceQuota,
  'v1/LimitRange': LimitRange,
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'networking.k8s.io/v1/Ingress': Ingress,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
  'scheduling.k8s.io/v1/PriorityClass': PriorityClass,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
  'keda.sh/v1alpha1/TriggerAuthentication': TriggerAuthentication,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  // Azure Monitor managed Prometheus reads the same ServiceMonitor under its own group.
  'azmonitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
};

/** The problems with one object; empty when it is valid. */
export function schemaProblems(object: KubeObject): string[] {
  const key = `${object.apiVersion}/${object.kind}`;
  if (key === 'secrets-store.csi.x-k8s.io/v1/SecretProviderClass') {
    const result = SecretProviderClass.safeParse(object);
    return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  }
  const model = models[key];
  if (!model) return [`no schema known for ${key}`];
  const data = key.startsWith('azmonitoring') ? { ...object, apiVersion: 'monitoring.coreos.com/v1' } : object;
  try {
    new model(data as never).validate();
    return [];
  } catch (error) {
    return [(error as Error).message];
  }
}
