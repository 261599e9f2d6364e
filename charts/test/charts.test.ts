// The Helm charts, checked without a cluster: helm lint --strict and helm template for every
// chart with the default, dev, production and everything-on values; every rendered object
// against the Kubernetes schemas; the hardening, availability and network rules; and every
// setting against the config schema of the service that reads it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { exampleOverlay, helmBinary, type KubeObject, lint, render, SCENARIOS, type Scenario, specOf } from '../scripts/render.ts';
import { SERVICE_CHARTS } from '../scripts/services.ts';
import { umbrellaSchema, valuesSchema } from '../scripts/values-schema.ts';
import { schemaPath, schemaText } from '../scripts/write-values-schemas.ts';
import { schemaProblems } from './kube-schemas.ts';
import { actors, EXPECTED_FLOWS, expectedFlowsAmong, expectedScrapes, flows, MONITORING_AGENT } from './network-flows.ts';
import {
  availabilityProblems,
  chartOf,
  containerProblems,
  environmentOf,
  environmentProblems,
  imageProblems,
  podSpec,
  securityProblems,
  shutdownProblems,
} from './policies.ts';

const CHARTS = [...SERVICE_CHARTS, 'dronedelivery'];
const deployments = (objects: KubeObject[]) => objects.filter((object) => object.kind === 'Deployment');
/** The components a rendering runs (the simulator is off unless enabled): only real pods are actors. */
const components = (objects: KubeObject[]) => deployments(objects).map((deployment) => chartOf(deployment));
const expectedFlows = (objects: KubeObject[]) => expectedFlowsAmong(components(objects), SERVICE_CHARTS);

describe('values schemas', () => {
  it.each(CHARTS)('%s: the committed values.schema.json is the generated one (pnpm --filter @dronedelivery/charts schemas)', (chart) => {
    const expected = schemaText(chart === 'dronedelivery' ? umbrellaSchema() : valuesSchema(chart as (typeof SERVICE_CHARTS)[number]));
    expect(readFileSync(schemaPath(chart), 'utf8')).toBe(expected);
  });
});

describe.skipIf(!helmBinary)('Helm charts (helm lint, helm template)', () => {
  describe.each(SCENARIOS)('with the %s values', (scenario: Scenario) => {
    it.each(CHARTS)('%s passes helm lint --strict', (chart) => {
      expect(lint(chart, scenario)).toContain('0 chart(s) failed');
    });

    it.each(CHARTS)('%s renders only objects valid against the Kubernetes and CRD schemas', (chart) => {
      const objects = render(chart, scenario);
      expect(objects.length).toBeGreaterThanOrEqual(5);
      const problems = objects.flatMap((object) =>
        schemaProblems(object).map((problem) => `${object.kind}/${object.metadata.name}: ${problem}`),
      );
      expect(problems).toEqual([]);
    });

    it('every container is hardened (restricted PSS, read-only root), probed on all three endpoints, with requests and limits', () => {
      const objects = render('dronedelivery', scenario);
      // Every unit but the simulator, which only the everything values turn on.
      expect(components(objects).sort()).toEqual(
        SERVICE_CHARTS.filter((chart) => scenario === 'everything' || chart !== 'simulator').sort(),
      );
      for (const deployment of deployments(objects)) {
        expect(securityProblems(deployment), deployment.metadata.name).toEqual([]);
        expect(containerProblems(deployment), deployment.metadata.name).toEqual([]);
        expect(shutdownProblems(deployment, objects), deployment.metadata.name).toEqual([]);
      }
    });

    it('every variable a chart sets is one its service reads, and the service would start with them', () => {
      const objects = render('dronedelivery', scenario);
      for (const deployment of deployments(objects)) expect(environmentProblems(deployment, objects)).toEqual([]);
    });

    it('NetworkPolicies allow exactly the flows in architecture.md, and scraping by the monitoring agent alone', () => {
      const objects = render('dronedelivery', scenario);
      const policies = objects.filter((object) => object.kind === 'NetworkPolicy');
      const allowed = flows(actors(components(objects)), policies);
      const scrapes = expectedScrapes(MONITORING_AGENT[scenario], components(objects));
      expect(allowed).toEqual([...expectedFlows(objects), ...scrapes].sort());
      if (scenario === 'everything') expect(expectedFlows(objects)).toEqual(EXPECTED_FLOWS);
      // The agent's neighbours reach nothing: its namespace is no pass.
      for (const neighbour of ['ama-metrics-node', 'kube-system-pod', 'grafana'])
        expect(allowed.filter((flow) => flow.startsWith(`${neighbour} ->`))).toEqual([]);
    });

    it('every image names its registry, is pulled Always when by tag, and runs on Linux nodes only', () => {
      for (const deployment of deployments(render('dronedelivery', scenario))) {
        expect(imageProblems(deployment), deployment.metadata.name).toEqual([]);
        expect(podSpec(deployment).nodeSelector?.['kubernetes.io/os'], deployment.metadata.name).toBe('linux');
      }
    });

    it('no secret is rendered into a ConfigMap or a plain env value', () => {
      const objects = render('dronedelivery', scenario);
      for (const deployment of deployments(objects)) {
        const environment = environmentOf(deployment, objects);
        const plain = podSpec(deployment).containers[0]?.env?.filter((variable) => variable.value !== undefined) ?? [];
        expect(plain).toEqual([]);
        for (const name of ['JWT_SECRET', 'REDIS_PASSWORD', 'COSMOS_KEY', 'WORKFLOW_ADMIN_TOKEN', 'MONGODB_URL'])
          if (name in environment)
            expect(
              objects.some((object) => object.kind === 'ConfigMap' && name in (object.data ?? {})),
              `${name} in a ConfigMap`,
            ).toBe(false);
      }
      expect(objects.some((object) => object.kind === 'Secret')).toBe(false);
    });
  });

  describe.each(['default', 'production', 'everything'] as Scenario[])('availability with the %s values', (scenario) => {
    it('every Deployment has an autoscaler (HPA or KEDA), or is the one-replica simulator, and a PodDisruptionBudget', () => {
      const objects = render('dronedelivery', scenario);
      for (const deployment of deployments(objects)) expect(availabilityProblems(deployment, objects)).toEqual([]);
    });

    it('the gateway runs at least two replicas behind an nginx Ingress that only routes /api and /docs; the console takes / on the same host', () => {
      const objects = render('dronedelivery', scenario);
      const hpa = objects.find((object) => object.kind === 'HorizontalPodAutoscaler' && object.metadata.name === 'gateway');
      expect(hpa?.spec?.minReplicas).toBeGreaterThanOrEqual(2);
      const ingresses = objects.filter((object) => object.kind === 'Ingress');
      expect(ingresses.map((ingress) => specOf(ingress).ingressClassName)).toEqual(ingresses.map(() => 'nginx'));
      const routes = ingresses.flatMap((ingress) =>
        (specOf(ingress).rules as { host: string; http: { paths: { path: string; backend: { service: { name: string } } }[] } }[]).flatMap(
          (rule) => rule.http.paths.map((path) => ({ host: rule.host, path: path.path, service: path.backend.service.name })),
        ),
      );
      expect(new Set(routes.map((route) => route.service))).toEqual(new Set(['gateway', 'console']));
      const gatewayPaths = routes.filter((route) => route.service === 'gateway').map((route) => route.path);
      expect(gatewayPaths.every((path) => path === '/api' || path === '/docs' || path.includes('/api/'))).toBe(true);
      expect(routes.filter((route) => route.service === 'console').map((route) => route.path)).toEqual(['/']);
      expect(new Set(routes.map((route) => route.host)).size).toBe(1);
      expect(routes.some((route) => route.path.includes('healthz'))).toBe(false);
    });
  });

  it('production images come from the registry; a digest replaces the tag, and is pulled only when absent', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const objects = render('gateway', 'production', [`image.digest=${digest}`]);
    const container = podSpec(deployments(objects)[0] as KubeObject).containers[0];
    expect(container?.image).toBe(`dronedeliveryacr.azurecr.io/dronedelivery/gateway@${digest}`);
    expect(container?.imagePullPolicy).toBe('IfNotPresent');
  });

  it('one registry for every chart (global.imageRegistry), unless a chart names its own', () => {
    const objects = render('dronedelivery', 'default', [
      'global.imageRegistry=myregistry.azurecr.io',
      'gateway.image.registry=other.azurecr.io',
    ]);
    const images = Object.fromEntries(
      deployments(objects).map((deployment) => [chartOf(deployment), podSpec(deployment).containers[0]?.image]),
    );
    expect(images.gateway).toBe('other.azurecr.io/dronedelivery/gateway:0.1.0');
    expect(images.delivery).toBe('myregistry.azurecr.io/dronedelivery/delivery:0.1.0');
    const local = deployments(render('dronedelivery', 'default')).map((deployment) => podSpec(deployment).containers[0]?.image);
    expect(local.every((image) => image?.startsWith('localhost:5000/dronedelivery/'))).toBe(true);
  });

  it('the workflow chart carries every resilience knob under the name the code reads', () => {
    const objects = render('workflow', 'default');
    const environment = environmentOf(deployments(objects)[0] as KubeObject, objects);
    for (const knob of [
      'WORKFLOW_CONCURRENCY',
      'WORKFLOW_STALL_SECONDS',
      'QUEUE_MAX_ATTEMPTS',
      'QUEUE_BACKOFF_MS',
      'QUEUE_LOCK_DURATION_MS',
      'QUEUE_STALLED_INTERVAL_MS',
      'QUEUE_MAX_STALLED_COUNT',
      'UPSTREAM_TIMEOUT_MS',
      'UPSTREAM_RETRIES',
      'UPSTREAM_RETRY_BASE_DELAY_MS',
      'UPSTREAM_RETRY_MAX_DELAY_MS',
      'UPSTREAM_BREAKER_THRESHOLD',
      'UPSTREAM_BREAKER_HALF_OPEN_AFTER_MS',
      'UPSTREAM_BULKHEAD_LIMIT',
      'UPSTREAM_BULKHEAD_QUEUE',
      'UPSTREAM_CONNECTIONS',
    ])
      expect(environment, knob).toHaveProperty(knob);
    const changed = render('workflow', 'default', ['config.UPSTREAM_RETRIES=7', 'config.QUEUE_MAX_ATTEMPTS=3']);
    const changedEnvironment = environmentOf(deployments(changed)[0] as KubeObject, changed);
    expect([changedEnvironment.UPSTREAM_RETRIES, changedEnvironment.QUEUE_MAX_ATTEMPTS]).toEqual(['7', '3']);
  });

  it('KEDA scales the workflow on the BullMQ wait list, and then no HPA competes with it', () => {
    const objects = render('workflow', 'everything');
    const scaledObject = objects.find((object) => object.kind === 'ScaledObject') as KubeObject;
    const trigger = (specOf(scaledObject).triggers as { type: string; metadata: Record<string, string> }[])[0];
    expect(trigger?.type).toBe('redis');
    expect(trigger?.metadata.listName).toBe('{dronedelivery}:delivery-requests:wait');
    expect(objects.some((object) => object.kind === 'HorizontalPodAutoscaler')).toBe(false);
    const clustered = render('workflow', 'everything', ['config.REDIS_CLUSTER="true"']);
    const clusterTrigger = (
      specOf(clustered.find((object) => object.kind === 'ScaledObject') as KubeObject).triggers as {
        type: string;
        metadata: Record<string, string>;
      }[]
    )[0];
    expect(clusterTrigger?.type).toBe('redis-cluster');
    expect(clusterTrigger?.metadata.addresses).toBe(trigger?.metadata.address);
    expect(clusterTrigger?.metadata.listName).toBe('{dronedelivery}:delivery-requests:wait');
  });

  it('the versioned-prefix toggle adds a rewriting Ingress for /v0.1.0/api/...', () => {
    const objects = render('gateway', 'default', ['ingress.versionedPrefix.enabled=true']);
    const versioned = objects.find((object) => object.kind === 'Ingress' && object.metadata.name === 'gateway-versioned') as KubeObject;
    expect(versioned.metadata.annotations?.['nginx.ingress.kubernetes.io/rewrite-target']).toBe('/api/$1');
    const path = (specOf(versioned).rules as { http: { paths: { path: string }[] } }[])[0]?.http.paths[0]?.path as string;
    expect(new RegExp(`^${path}$`).exec('/v0.1.0/api/deliveries/abc')?.[1]).toBe('deliveries/abc');
    expect(render('gateway', 'default').some((object) => object.metadata.name === 'gateway-versioned')).toBe(false);
  });

  it('Key Vault secrets arrive through a SecretProviderClass the pod mounts, synced into the Secret its env reads', () => {
    const objects = render('package', 'production');
    const provider = objects.find((object) => object.kind === 'SecretProviderClass') as KubeObject;
    const synced = (specOf(provider).secretObjects as { secretName: string; data: { key: string }[] }[])[0];
    const pod = podSpec(deployments(objects)[0] as KubeObject) as unknown as {
      volumes: { csi?: { volumeAttributes: { secretProviderClass: string } } }[];
      containers: { env: { name: string; valueFrom: { secretKeyRef: { name: string; key: string } } }[] }[];
    };
    expect(pod.volumes.some((volume) => volume.csi?.volumeAttributes.secretProviderClass === provider.metadata.name)).toBe(true);
    const mongo = pod.containers[0]?.env.find((variable) => variable.name === 'MONGODB_URL');
    expect(mongo?.valueFrom.secretKeyRef.name).toBe(synced?.secretName);
    expect(synced?.data.map((entry) => entry.key)).toContain(mongo?.valueFrom.secretKeyRef.key);
    const serviceAccount = objects.find((object) => object.kind === 'ServiceAccount');
    // The package identity's client id, from the overlay provision.sh writes.
    const overlay = parse(readFileSync(exampleOverlay, 'utf8')) as {
      package: { serviceAccount: { workloadIdentity: { clientId: string } } };
    };
    expect(serviceAccount?.metadata.annotations?.['azure.workload.identity/client-id']).toBe(
      overlay.package.serviceAccount.workloadIdentity.clientId,
    );
  });

  describe('side-by-side versions', () => {
    it('a second release of a service has its own names, selectors and version label, and the same network rules', () => {
      const stable = render('delivery', 'production', [], 'delivery');
      const canary = render(
        'delivery',
        'production',
        ['fullnameOverride=delivery-v2', 'versionLabel=v2', `image.digest=sha256:${'c'.repeat(64)}`],
        'delivery-v2',
      );
      const names = (objects: KubeObject[]) => objects.map((object) => `${object.kind}/${object.metadata.name}`);
      expect(names(canary).filter((name) => names(stable).includes(name))).toEqual([]);
      const selector = (objects: KubeObject[]) => specOf(objects.find((object) => object.kind === 'Service') as KubeObject).selector;
      expect(selector(stable)).toEqual({ 'app.kubernetes.io/name': 'delivery', 'app.kubernetes.io/instance': 'delivery' });
      expect(selector(canary)).toEqual({ 'app.kubernetes.io/name': 'delivery', 'app.kubernetes.io/instance': 'delivery-v2' });
      const podLabels = (specOf(deployments(canary)[0] as KubeObject) as { template: { metadata: { labels: Record<string, string> } } })
        .template.metadata.labels;
      expect(podLabels['app.kubernetes.io/version']).toBe('v2');
      // The gateway's and workflow's policies select peers by name, so they reach v2 as well.
      const policies = [
        ...render('dronedelivery', 'production').filter((object) => object.kind === 'NetworkPolicy'),
        ...canary.filter((object) => object.kind === 'NetworkPolicy'),
      ];
      const everyone = actors([...SERVICE_CHARTS]);
      const v2 = { ...(everyone.find((actor) => actor.name === 'delivery') as (typeof everyone)[number]), name: 'delivery-v2' };
      v2.labels = { ...v2.labels, 'app.kubernetes.io/instance': 'delivery-v2' };
      expect(flows([...everyone, v2], policies).filter((flow) => flow.endsWith('delivery-v2'))).toEqual([
        'ama-metrics -> delivery-v2',
        'gateway -> delivery-v2',
        'workflow -> delivery-v2',
      ]);
    });

    it("the gateway shifts a share of a service's calls to its second release, by settings its schema knows", () => {
      const objects = render('gateway', 'default', ['config.DELIVERY_CANARY_URL=http://delivery-v2', 'config.DELIVERY_CANARY_PERCENT=10']);
      const environment = environmentOf(deployments(objects)[0] as KubeObject, objects);
      expect([environment.DELIVERY_CANARY_URL, environment.DELIVERY_CANARY_PERCENT]).toEqual(['http://delivery-v2', '10']);
      expect(environmentProblems(deployments(objects)[0] as KubeObject, objects)).toEqual([]);
      expect(() => render('gateway', 'default', ['config.DELIVERY_CANARY_PERCENT=150'])).toThrow('DELIVERY_CANARY_PERCENT');
    });

    it('a second gateway release takes a weighted share of the ingress traffic as an NGINX canary', () => {
      const objects = render(
        'gateway',
        'production',
        ['fullnameOverride=gateway-v2', 'ingress.canary.enabled=true', 'ingress.canary.weight=20', 'ingress.canary.header=X-Canary'],
        'gateway-v2',
      );
      const ingress = objects.find((object) => object.kind === 'Ingress') as KubeObject;
      expect(ingress.metadata.annotations).toMatchObject({
        'nginx.ingress.kubernetes.io/canary': 'true',
        'nginx.ingress.kubernetes.io/canary-weight': '20',
        'nginx.ingress.kubernetes.io/canary-by-header': 'X-Canary',
      });
      const stable = render('gateway', 'production').find((object) => object.kind === 'Ingress') as KubeObject;
      expect(specOf(ingress).rules).toEqual(
        (specOf(stable).rules as { http: { paths: { backend: { service: { name: string } } }[] } }[]).map((rule) => ({
          ...rule,
          http: {
            paths: rule.http.paths.map((path) => ({ ...path, backend: { service: { ...path.backend.service, name: 'gateway-v2' } } })),
          },
        })),
      );
      expect(stable.metadata.annotations?.['nginx.ingress.kubernetes.io/canary']).toBeUndefined();
    });
  });

  describe('a wrong value fails at install time', () => {
    it.each([
      ['a misspelt setting', 'workflow', 'config.UPSTREAM_RETRYS=3', 'UPSTREAM_RETRYS'],
      ['a setting out of range', 'delivery', 'config.DELIVERY_RETENTION_SECONDS=0', 'DELIVERY_RETENTION_SECONDS'],
      ['a secret in plain values', 'gateway', 'config.JWT_SECRET=not-in-values-please-not-in-values', 'JWT_SECRET'],
      ['one replica of the gateway', 'gateway', 'autoscaling.minReplicas=1', 'minReplicas'],
      ['an unknown peer in a network policy', 'delivery', 'networkPolicy.ingressFrom[0]=anyone', 'ingressFrom'],
      ['a malformed digest', 'package', 'image.digest=latest', 'digest'],
      ['two simulators', 'simulator', 'replicaCount=2', 'replicaCount'],
      ['an autoscaled simulator', 'simulator', 'autoscaling.enabled=true', 'autoscaling'],
      [
        'a development token signer in the console',
        'console',
        'config.DEV_TOKEN_SECRET=not-in-values-please-not-in-values',
        'DEV_TOKEN_SECRET',
      ],
      ['a development token signer from a Secret', 'console', 'secrets.variables.DEV_TOKEN_SECRET=jwt-secret', 'DEV_TOKEN_SECRET'],
      ['an image without a registry (Docker Hub)', 'gateway', 'image.registry=dronedelivery', 'image.registry'],
      ['an empty image registry', 'delivery', 'image.registry=""', 'image.registry'],
      ['a global registry without a host', 'dronedelivery', 'global.imageRegistry=dronedelivery', 'global.imageRegistry'],
      ['a scrape rule for a whole namespace', 'gateway', 'networkPolicy.monitoringAgents[0].namespace=kube-system', 'podLabels'],
      ['the retired namespace-wide scrape setting', 'workflow', 'networkPolicy.monitoringNamespace=kube-system', 'monitoringNamespace'],
    ])('%s', (_what, chart, assignment, mentioned) => {
      expect(() => render(chart, 'default', [assignment])).toThrow(mentioned);
    });
  });

  describe('the checks can fail', () => {
    it('a setting the schema accepts but the service rejects is reported (both auth modes at once)', () => {
      const objects = render('gateway', 'default', ['config.JWKS_URL=https://login.example.com/keys']);
      expect(environmentProblems(deployments(objects)[0] as KubeObject, objects).join('\n')).toContain('exactly one of JWT_SECRET');
    });

    it('an extra flow is reported once both ends allow it, and not before', () => {
      const oneSide = ['ingestion.networkPolicy.ingressFrom={gateway,workflow}'];
      const bothSides = [...oneSide, 'workflow.networkPolicy.egressTo={package,delivery,dronescheduler,ingestion}'];
      const objects = render('dronedelivery', 'default');
      const flowsWith = (set: string[]) =>
        flows(
          actors(components(objects)),
          render('dronedelivery', 'default', set).filter((object) => object.kind === 'NetworkPolicy'),
        );
      expect(flowsWith(oneSide)).toEqual(expectedFlows(objects));
      expect(flowsWith(bothSides)).toEqual([...expectedFlows(objects), 'workflow -> ingestion'].sort());
    });

    it('a scrape rule naming only a namespace would admit every pod there', () => {
      const objects = render('dronedelivery', 'production');
      const policies = objects.filter((object) => object.kind === 'NetworkPolicy');
      const gateway = policies.find((policy) => policy.metadata.name === 'gateway') as KubeObject;
      const rules = specOf(gateway).ingress as { from: { namespaceSelector?: unknown; podSelector?: unknown }[] }[];
      const scrapeRule = rules.find((rule) => rule.from.some((peer) => peer.namespaceSelector && JSON.stringify(peer).includes('rsName')));
      for (const peer of scrapeRule?.from ?? []) delete peer.podSelector;
      expect(flows(actors(components(objects)), policies)).toContain('kube-system-pod -> gateway');
    });

    it('an image without a registry, or by tag without Always, is reported', () => {
      const deployment = deployments(render('delivery', 'default', ['image.pullPolicy=IfNotPresent']))[0] as KubeObject;
      expect(imageProblems(deployment).join()).toContain('pulled by tag with IfNotPresent');
      (podSpec(deployment).containers[0] as { image: string }).image = 'dronedelivery/delivery:0.1.0';
      expect(imageProblems(deployment).join()).toContain('names no registry');
    });

    it('a Deployment not spread over nodes is reported', () => {
      const objects = render('delivery', 'default', ['topologySpread.enabled=false']);
      expect(availabilityProblems(deployments(objects)[0] as KubeObject, objects)).toEqual(['delivery is not spread over nodes']);
    });

    it('a disabled policy opens a service to every pod', () => {
      const objects = render('dronedelivery', 'default', ['delivery.networkPolicy.enabled=false']);
      const policies = objects.filter((object) => object.kind === 'NetworkPolicy');
      expect(flows(actors([...SERVICE_CHARTS]), policies)).toContain('other-namespace-pod -> delivery');
    });

    it('an unhardened or unprobed container is reported', () => {
      const deployment = deployments(render('delivery', 'default'))[0] as KubeObject;
      const container = podSpec(deployment).containers[0] as unknown as Record<string, unknown>;
      delete container.livenessProbe;
      container.securityContext = { runAsNonRoot: true };
      expect(containerProblems(deployment).join()).toContain('livenessProbe');
      expect(securityProblems(deployment).join()).toContain('privilege escalation');
    });

    it('an object that breaks the Kubernetes schema is reported', () => {
      const deployment = deployments(render('delivery', 'default'))[0] as KubeObject;
      expect(schemaProblems({ ...deployment, spec: { ...deployment.spec, replicas: 'two' } })).not.toEqual([]);
    });
  });
});
