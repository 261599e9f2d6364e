// The values overlay for the umbrella chart (charts/dronedelivery): the service's key with
// the resources and autoscaling (behaviour included) that hpa-settings derived, in the
// shape of charts/common/templates/_defaults.tpl. Pure; a small YAML writer, no dependency.
import type { HpaSettings } from './hpa-settings.ts';

export type Yaml = string | number | boolean | Yaml[] | { [key: string]: Yaml };

/** The overlay as values: `{ <service>: { resources, autoscaling } }`. */
export function overlayValues(service: string, settings: HpaSettings): Record<string, Yaml> {
  if (!/^[a-z][a-z0-9-]*$/.test(service)) throw new Error(`not a chart key: ${service}`);
  const rules = (value: HpaSettings['scaleUp']) => ({
    stabilizationWindowSeconds: value.stabilizationWindowSeconds,
    selectPolicy: value.selectPolicy,
    policies: value.policies.map((policy) => ({ type: policy.type, value: policy.value, periodSeconds: policy.periodSeconds })),
  });
  return {
    [service]: {
      resources: {
        requests: { cpu: `${settings.cpuRequestMillicores}m`, memory: `${settings.memoryRequestMiB}Mi` },
        limits: { cpu: `${settings.cpuLimitMillicores}m`, memory: `${settings.memoryLimitMiB}Mi` },
      },
      autoscaling: {
        enabled: true,
        minReplicas: settings.minReplicas,
        maxReplicas: settings.maxReplicas,
        targetCPUUtilizationPercentage: settings.targetCPUUtilizationPercentage,
        behavior: { scaleUp: rules(settings.scaleUp), scaleDown: rules(settings.scaleDown) },
      },
    },
  };
}

function scalar(value: string | number | boolean): string {
  if (typeof value !== 'string') return String(value);
  // Plain when YAML reads it back as the same string (words, quantities such as 250m or 128Mi); quoted otherwise.
  const word = /^[A-Za-z][\w.-]*$/.test(value) && !/^(true|false|yes|no|on|off|null|y|n|~)$/i.test(value);
  return word || /^\d+(m|Ki|Mi|Gi)$/.test(value) ? value : JSON.stringify(value);
}

/** Block-style YAML for maps, lists and scalars (strings quoted when they would read back as something else). */
export function toYaml(value: Yaml, indent = 0): string[] {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    return value.flatMap((item) => {
      const [first = '', ...rest] = toYaml(item, indent + 2);
      return typeof item === 'object' ? [`${pad}- ${first.trimStart()}`, ...rest] : [`${pad}- ${scalar(item as string)}`];
    });
  }
  if (typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) =>
      typeof item === 'object' && (Array.isArray(item) ? item.length > 0 : Object.keys(item).length > 0)
        ? [`${pad}${key}:`, ...toYaml(item, indent + 2)]
        : [`${pad}${key}: ${typeof item === 'object' ? (Array.isArray(item) ? '[]' : '{}') : scalar(item)}`],
    );
  }
  return [`${pad}${scalar(value)}`];
}

/** The overlay as a YAML file; `comments` become its header (one `#` line each). */
export function overlayYaml(service: string, settings: HpaSettings, comments: string[] = []): string {
  return [...comments.map((line) => (line ? `# ${line}` : '#')), ...toYaml(overlayValues(service, settings)), ''].join('\n');
}
