// Builds each chart's values.schema.json, so that Helm rejects a wrong value at install time:
// unknown keys, wrong types, a secret put in plain config, or a setting its service does not
// read. The `config` section is generated from the service's own zod config schema, so a
// chart can only set variables the code reads, with values the code accepts.
import { telemetryEnvironmentSchema } from '@dronedelivery/service-kit';
import { z } from 'zod';
import {
  configSchemas,
  DEVELOPMENT_ONLY_VARIABLES,
  objectShape,
  SECRET_VARIABLES,
  SERVICE_CHARTS,
  type ServiceChart,
  TEMPLATED_VARIABLES,
} from './services.ts';

const quantity = z.union([z.string().regex(/^[0-9.]+(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/, 'a Kubernetes quantity'), z.number().positive()]);
const componentName = z.enum(SERVICE_CHARTS);
const label = z.record(z.string(), z.string());
const probe = z.strictObject({
  periodSeconds: z.int().min(1).optional(),
  timeoutSeconds: z.int().min(1).optional(),
  failureThreshold: z.int().min(1).optional(),
});
const scalingRules = z.strictObject({
  stabilizationWindowSeconds: z.int().min(0).max(3600).optional(),
  selectPolicy: z.enum(['Max', 'Min', 'Disabled']).optional(),
  policies: z
    .array(z.strictObject({ type: z.enum(['Pods', 'Percent']), value: z.int().min(1), periodSeconds: z.int().min(1).max(1800) }))
    .optional(),
});
/**
 * Where images come from: a registry host (with a dot or a port, or localhost), optionally
 * with a path. A bare name such as "dronedelivery" is not one: a container runtime would
 * take it for a Docker Hub namespace, a registry nobody here controls.
 */
export const registryHost = z
  .string()
  .regex(
    /^(localhost(:[0-9]+)?|[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(:[0-9]+)?|[A-Za-z0-9-]+:[0-9]+)(\/[a-z0-9._-]+)*$/,
    'a registry host, e.g. myregistry.azurecr.io or localhost:5000',
  );
/** A NetworkPolicy egress rule, passed through as written (validated again on the rendered object). */
const egressRule = z.looseObject({ to: z.array(z.looseObject({})).optional(), ports: z.array(z.looseObject({})).optional() });

function commonValues(minimumReplicas: number) {
  return {
    enabled: z.boolean().optional().describe('Used by the umbrella chart to leave a service out'),
    global: z
      .looseObject({ imageRegistry: registryHost.optional().describe("Every chart's registry unless its image.registry names another") })
      .optional(),
    common: z.looseObject({}).optional().describe('Added by Helm for the common library chart; it takes no values'),
    image: z
      .strictObject({
        registry: registryHost.optional().describe('e.g. myregistry.azurecr.io; default: global.imageRegistry'),
        repository: z.string().min(1).optional(),
        tag: z.string().optional().describe("Default: the chart's appVersion"),
        digest: z
          .string()
          .regex(/^(sha256:[a-f0-9]{64})?$/, 'sha256:<64 hex digits>')
          .optional()
          .describe('When set, the image is pulled by digest and the tag is ignored'),
        pullPolicy: z
          .enum(['Always', 'IfNotPresent', 'Never'])
          .optional()
          .describe('Default: IfNotPresent with a digest, Always with a tag'),
      })
      .optional(),
    imagePullSecrets: z.array(z.strictObject({ name: z.string().min(1) })).optional(),
    fullnameOverride: z
      .string()
      .regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$/, 'a DNS label')
      .max(63)
      .optional(),
    versionLabel: z.string().max(63).optional(),
    component: z.string().min(1).optional(),
    replicaCount: z.int().min(minimumReplicas).optional(),
    containerPort: z.int().min(1024).max(65535).optional(),
    service: z.strictObject({ port: z.int().min(1).max(65535).optional() }).optional(),
    serviceAccount: z
      .strictObject({
        create: z.boolean().optional(),
        name: z.string().optional(),
        annotations: label.optional(),
        workloadIdentity: z
          .strictObject({ enabled: z.boolean().optional(), clientId: z.string().optional(), tenantId: z.string().optional() })
          .optional(),
      })
      .optional(),
    podLabels: label.optional(),
    podAnnotations: label.optional(),
    priorityClassName: z.string().optional(),
    nodeSelector: label.optional(),
    tolerations: z.array(z.looseObject({})).optional(),
    affinity: z.looseObject({}).optional(),
    resources: z
      .strictObject({
        requests: z.strictObject({ cpu: quantity, memory: quantity, 'ephemeral-storage': quantity.optional() }).optional(),
        limits: z.strictObject({ cpu: quantity.optional(), memory: quantity, 'ephemeral-storage': quantity.optional() }).optional(),
      })
      .optional(),
    probes: z.strictObject({ startup: probe.optional(), readiness: probe.optional(), liveness: probe.optional() }).optional(),
    shutdown: z
      .strictObject({ preStopSeconds: z.int().min(1).max(60).optional().describe('Sleep before SIGTERM while endpoints update') })
      .optional(),
    rollingUpdate: z
      .strictObject({
        maxSurge: z.union([z.int().min(0), z.string()]).optional(),
        maxUnavailable: z.union([z.int().min(0), z.string()]).optional(),
      })
      .optional(),
    autoscaling: z
      .strictObject({
        enabled: z.boolean().optional(),
        minReplicas: z.int().min(minimumReplicas).optional(),
        maxReplicas: z.int().min(1).optional(),
        targetCPUUtilizationPercentage: z.int().min(1).max(100).optional(),
        behavior: z.strictObject({ scaleUp: scalingRules.optional(), scaleDown: scalingRules.optional() }).optional(),
      })
      .optional(),
    podDisruptionBudget: z
      .strictObject({ enabled: z.boolean().optional(), maxUnavailable: z.union([z.int().min(1), z.string()]).optional() })
      .optional(),
    topologySpread: z
      .strictObject({ enabled: z.boolean().optional(), whenUnsatisfiable: z.enum(['ScheduleAnyway', 'DoNotSchedule']).optional() })
      .optional(),
    networkPolicy: z
      .strictObject({
        enabled: z.boolean().optional(),
        ingressFrom: z.array(componentName).optional().describe('Components allowed to call this one'),
        ingressController: z
          .strictObject({ enabled: z.boolean().optional(), namespace: z.string().min(1).optional(), podLabels: label.optional() })
          .optional(),
        monitoringAgents: z
          .array(z.strictObject({ namespace: z.string().min(1), podLabels: label }))
          .optional()
          .describe("The monitoring agents allowed to scrape /metrics: each one's namespace and its pods' labels"),
        egressTo: z.array(componentName).optional().describe('Components this one calls'),
        datastore: z
          .strictObject({ ports: z.array(z.int().min(1).max(65535)).optional(), to: z.array(z.looseObject({})).optional() })
          .optional(),
        extraEgress: z.array(egressRule).optional(),
      })
      .optional(),
    serviceMonitor: z
      .strictObject({
        enabled: z.boolean().optional(),
        apiVersion: z.enum(['monitoring.coreos.com/v1', 'azmonitoring.coreos.com/v1']).optional(),
        interval: z.string().optional(),
        scrapeTimeout: z.string().optional(),
        labels: label.optional(),
      })
      .optional(),
  };
}

const chartSpecificValues: Partial<Record<ServiceChart, Record<string, z.ZodType>>> = {
  gateway: {
    ingress: z
      .strictObject({
        enabled: z.boolean().optional(),
        className: z.string().min(1).optional(),
        host: z.string().min(1).optional(),
        tls: z.strictObject({ secretName: z.string().optional(), certManagerClusterIssuer: z.string().optional() }).optional(),
        proxyBodySize: z
          .string()
          .regex(/^[0-9]+[kKmMgG]?$/)
          .optional(),
        proxyReadTimeoutSeconds: z.int().min(1).optional(),
        proxySendTimeoutSeconds: z.int().min(1).optional(),
        annotations: label.optional(),
        canary: z
          .strictObject({
            enabled: z.boolean().optional(),
            weight: z.int().min(0).max(100).optional(),
            header: z
              .string()
              .regex(/^([A-Za-z0-9-]+)?$/)
              .optional(),
          })
          .optional(),
        versionedPrefix: z
          .strictObject({
            enabled: z.boolean().optional(),
            prefix: z
              .string()
              .regex(/^[A-Za-z0-9._-]+$/)
              .optional(),
          })
          .optional(),
      })
      .optional(),
  },
  console: {
    ingress: z
      .strictObject({
        enabled: z.boolean().optional(),
        className: z.string().min(1).optional(),
        host: z.string().min(1).optional().describe("The gateway's host: this Ingress takes / there, the gateway's /api and /docs"),
        tls: z.strictObject({ secretName: z.string().optional().describe("The gateway Ingress' certificate Secret") }).optional(),
        proxyBodySize: z
          .string()
          .regex(/^[0-9]+[kKmMgG]?$/)
          .optional(),
        annotations: label.optional(),
      })
      .optional(),
  },
  // One fleet controller: one replica (or none), never autoscaled.
  simulator: {
    replicaCount: z.int().min(0).max(1).optional(),
    autoscaling: z
      .strictObject({
        enabled: z.literal(false).optional().describe('The simulator is a single fleet controller: it never autoscales'),
        minReplicas: z.int().min(1).max(1).optional(),
        maxReplicas: z.int().min(1).max(1).optional(),
        targetCPUUtilizationPercentage: z.int().min(1).max(100).optional(),
        behavior: z.looseObject({}).optional(),
      })
      .optional(),
  },
  workflow: {
    keda: z
      .strictObject({
        enabled: z.boolean().optional(),
        listLength: z.int().min(1).optional(),
        redisAddress: z.string().min(1).optional(),
        enableTLS: z.boolean().optional(),
        pollingIntervalSeconds: z.int().min(1).optional(),
        cooldownSeconds: z.int().min(0).optional(),
        cpuUtilizationPercentage: z.int().min(1).max(100).optional(),
      })
      .optional(),
  },
};

type JsonSchema = Record<string, unknown>;

/** A variable's JSON schema as the service reads it, or "" (unset: the service's default applies). */
function unsettable(schema: JsonSchema): JsonSchema {
  const { default: _default, ...rest } = schema;
  return { anyOf: [rest, { const: '' }, { type: 'null' }] };
}

/** The `config` section: the service's settings minus secrets and the ones the templates set. */
function configSection(chart: ServiceChart): JsonSchema {
  const shape = { ...objectShape(configSchemas[chart]), ...telemetryEnvironmentSchema.shape };
  const plain = Object.fromEntries(Object.entries(shape).filter(([name]) => !SECRET_VARIABLES.has(name) && !TEMPLATED_VARIABLES.has(name)));
  const json = z.toJSONSchema(z.object(plain), { io: 'input', unrepresentable: 'any', target: 'draft-7' }) as JsonSchema;
  const properties = json.properties as Record<string, JsonSchema>;
  return {
    type: 'object',
    description: `Environment variables of the ${chart} service, by the names its config schema reads. Secrets go under secrets.variables.`,
    additionalProperties: false,
    properties: Object.fromEntries(Object.entries(properties).map(([name, schema]) => [name, unsettable(schema)])),
  };
}

function secretsSection(chart: ServiceChart): JsonSchema {
  const shape = { ...objectShape(configSchemas[chart]), ...telemetryEnvironmentSchema.shape };
  const variables = Object.keys(shape).filter((name) => !TEMPLATED_VARIABLES.has(name) && !DEVELOPMENT_ONLY_VARIABLES.has(name));
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      source: { enum: ['none', 'existingSecret', 'keyVault'] },
      existingSecret: { type: 'string' },
      variables: {
        type: 'object',
        description: 'Environment variable -> key in the Secret (or Key Vault secret name); "" leaves it out',
        additionalProperties: false,
        properties: Object.fromEntries(
          variables.map((name) => [name, { type: ['string', 'null'], pattern: '^([A-Za-z0-9][-._A-Za-z0-9]*)?$' }]),
        ),
      },
      keyVault: {
        type: 'object',
        additionalProperties: false,
        properties: { name: { type: 'string' }, tenantId: { type: 'string' } },
      },
    },
  };
}

/** The whole values.schema.json of one service chart. */
export function valuesSchema(chart: ServiceChart): JsonSchema {
  const minimumReplicas = chart === 'gateway' ? 2 : 1;
  const values = z.strictObject({ ...commonValues(minimumReplicas), ...chartSpecificValues[chart] });
  const json = z.toJSONSchema(values, { io: 'input', unrepresentable: 'any', target: 'draft-7' }) as JsonSchema;
  const properties = json.properties as Record<string, JsonSchema>;
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: `${chart} chart values`,
    ...json,
    properties: { ...properties, config: configSection(chart), secrets: secretsSection(chart) },
  };
}

/** The umbrella chart: one object per service (each validated by that service's own chart schema). */
export function umbrellaSchema(): JsonSchema {
  const { $schema: _draft, ...registryJsonSchema } = z.toJSONSchema(registryHost, { target: 'draft-7' }) as JsonSchema;
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'dronedelivery chart values',
    type: 'object',
    additionalProperties: false,
    patternProperties: { '^x-': {} },
    properties: {
      global: { type: 'object', properties: { imageRegistry: registryJsonSchema } },
      ...Object.fromEntries(
        SERVICE_CHARTS.map((chart) => [
          chart,
          { type: 'object', description: `Values of the ${chart} chart`, properties: { enabled: { type: 'boolean' } } },
        ]),
      ),
    },
  };
}
