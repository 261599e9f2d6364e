// k8s/aks/provision.sh, checked without Azure: shellcheck; its dry run, which is what a first
// run on an empty subscription calls (every lookup answers "absent"), the same every time,
// with nothing created unlooked-for; the overlay it writes, which is k8s/aks/values-example.yaml
// and which the production install renders with (no placeholder id, no secret, every egress
// rule with a destination); and its node-pool defaults, charts/scripts/node-pool.ts's result.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONTAINERS } from '../../services/dronescheduler/src/store/cosmos.ts';
import { allocatablePerNode, DAEMONSET_ALLOWANCE, nodePoolSize, USER_POOL } from '../scripts/node-pool.ts';
import { clusterManifests, exampleOverlay, helmBinary, type KubeObject, render, repositoryDirectory } from '../scripts/render.ts';
import { SECRET_VARIABLES, SERVICE_CHARTS } from '../scripts/services.ts';
import { environmentOf } from './policies.ts';

const script = join(repositoryDirectory, 'k8s/aks/provision.sh');
/** The parameters values-example.yaml was written with (its header repeats them). */
const EXAMPLE = [
  '--prefix',
  'example',
  '--location',
  'westeurope',
  '--host',
  'drones.example.com',
  '--admin-group',
  '00000000-0000-0000-0000-000000000101',
  '--developer-group',
  '00000000-0000-0000-0000-000000000102',
  '--reader-group',
  '00000000-0000-0000-0000-000000000103',
];
const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** Runs the script with az, kubectl, kubelogin and helm replaced by stand-ins that record any call. */
function provision(args: string[]) {
  const directory = mkdtempSync(join(tmpdir(), 'provision-'));
  const calls = join(directory, 'calls');
  for (const tool of ['az', 'kubectl', 'kubelogin', 'helm']) {
    writeFileSync(join(directory, tool), `#!/bin/sh\necho "${tool} $*" >>'${calls}'\n`);
    chmodSync(join(directory, tool), 0o755);
  }
  const overlay = join(directory, 'values.yaml');
  const result = spawnSync('bash', [script, ...args, '--values-out', overlay], {
    encoding: 'utf8',
    cwd: directory,
    env: { ...process.env, PATH: `${directory}:${process.env.PATH}` },
  });
  const outcome = {
    status: result.status,
    // The overlay's path is the only thing that differs between runs.
    stdout: result.stdout.replaceAll(directory, '<directory>'),
    stderr: result.stderr,
    overlay: existsSync(overlay) ? readFileSync(overlay, 'utf8') : '',
    calls: existsSync(calls) ? readFileSync(calls, 'utf8') : '',
  };
  rmSync(directory, { recursive: true, force: true });
  return outcome;
}

const dryRun = provision([...EXAMPLE, '--dry-run']);
const lines = dryRun.stdout.split('\n');
const calls = lines.filter((line) => /^(az|kubectl|kubelogin|helm|sed) /.test(line));
const azCalls = calls.filter((line) => line.startsWith('az '));
/** "az network private-endpoint create --name x" → "az network private-endpoint create". */
const command = (line: string) => line.split(' --')[0]?.split(' ').slice(0, 6).join(' ') as string;
const flagValue = (line: string, flag: string) => line.split(` ${flag} `)[1]?.split(' ')[0];
const creating = (what: string) => azCalls.filter((line) => command(line) === what);
const overlay = parse(readFileSync(exampleOverlay, 'utf8')) as Record<string, Record<string, unknown>>;
const production = parse(readFileSync(join(repositoryDirectory, 'charts/dronedelivery/values-production.yaml'), 'utf8'), {
  merge: true,
}) as Record<string, { secrets?: { variables?: Record<string, string> } }>;

describe('k8s/aks/provision.sh', () => {
  const shellcheck = spawnSync('sh', ['-c', 'command -v shellcheck'], { encoding: 'utf8' }).stdout.trim();
  it.skipIf(!shellcheck)('passes shellcheck', () => {
    const result = spawnSync(shellcheck, [script], { encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('says what it needs: --help lists the parameters, a missing one stops it before any call', () => {
    const help = provision(['--help']);
    expect(help.status).toBe(0);
    for (const parameter of ['--prefix', '--location', '--subscription', '--admin-group', '--developer-group', '--reader-group', '--host'])
      expect(help.stdout).toContain(parameter);
    const missing = provision(EXAMPLE.slice(0, -2));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('--reader-group is required');
    expect(missing.calls).toBe('');
  });

  it.each([
    ['--prefix', 'a;rm -rf', /--prefix: 3-14 lowercase/],
    ['--prefix', 'Example', /--prefix: 3-14 lowercase/],
    ['--location', 'west europe', /--location: an Azure region name/],
    ['--host', 'evil.example.com/x', /--host: a DNS name/],
    ['--host', 'https://drones.example.com', /--host: a DNS name/],
    ['--host', 'localhost', /--host: a DNS name/],
    ['--admin-group', 'admins', /--admin-group: an Entra ID group object id/],
  ])('refuses %s %j before any call', (flag, value, message) => {
    const args = [...EXAMPLE];
    args[args.indexOf(flag) + 1] = value;
    const refused = provision([...args, '--dry-run']);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(message);
    expect(refused.stdout).not.toMatch(/^az /m);
    expect(refused.calls).toBe('');
  });

  it('a dry run makes no call, prints every one, and is the same every time', () => {
    expect(dryRun.status, dryRun.stderr).toBe(0);
    expect(dryRun.calls).toBe('');
    expect(calls.length).toBeGreaterThan(200);
    const again = provision([...EXAMPLE, '--dry-run']);
    expect(again.stdout).toBe(dryRun.stdout);
    expect(again.overlay).toBe(dryRun.overlay);
  });

  it('writes k8s/aks/values-example.yaml with the example parameters', () => {
    expect(dryRun.overlay).toBe(readFileSync(exampleOverlay, 'utf8'));
    expect(dryRun.overlay).toContain(EXAMPLE.slice(0, 6).join(' '));
  });

  it('creates exactly these kinds of resources, in a first run on an empty subscription', () => {
    const changes = new Set(azCalls.map(command).filter((what) => / (create|add|set|update|register)$/.test(what)));
    expect([...changes].sort()).toEqual(
      [
        'az acr create',
        'az ad app create',
        'az ad app update',
        'az ad sp create',
        'az aks nodepool add',
        'az aks create',
        'az cosmosdb create',
        'az cosmosdb mongodb collection create',
        'az cosmosdb mongodb database create',
        'az cosmosdb sql container create',
        'az cosmosdb sql database create',
        'az cosmosdb sql role assignment create',
        'az extension add',
        'az group create',
        'az identity create',
        'az identity federated-credential create',
        'az keyvault create',
        'az keyvault secret set',
        'az monitor account create',
        'az monitor app-insights component create',
        'az monitor log-analytics workspace create',
        'az monitor private-link-scope create',
        'az monitor private-link-scope scoped-resource create',
        'az network private-dns link vnet create',
        'az network private-dns zone create',
        'az network private-endpoint create',
        'az network private-endpoint dns-zone-group add',
        'az network private-endpoint dns-zone-group create',
        'az network vnet create',
        'az network vnet subnet create',
        'az provider register',
        'az redis create',
        'az redis update',
        'az role assignment create',
        'az storage account create',
      ].sort(),
    );
  });

  it('looks every resource up before creating it (only idempotent commands go without)', () => {
    const idempotent = new Set(['az group create', 'az provider register', 'az extension add', 'az redis update']);
    azCalls.forEach((line, index) => {
      const what = command(line);
      if (!/ (create|add|set)$/.test(what) || idempotent.has(what)) return;
      const path = what.replace(/ (create|add|set)$/, '');
      const looked = azCalls.slice(0, index).some((earlier) => [`${path} show`, `${path} list`].includes(command(earlier)));
      expect(looked, `${what} without a lookup first`).toBe(true);
    });
  });

  it('the cluster: OIDC issuer, workload identity, Key Vault CSI, Entra ID with Azure RBAC and no local accounts, Cilium network policy, zones', () => {
    const [create] = creating('az aks create');
    for (const flag of [
      '--enable-oidc-issuer',
      '--enable-workload-identity',
      '--enable-aad',
      '--enable-azure-rbac',
      '--disable-local-accounts',
      '--aad-admin-group-object-ids 00000000-0000-0000-0000-000000000101',
      '--enable-addons azure-keyvault-secrets-provider,monitoring',
      '--network-plugin azure',
      '--network-policy cilium',
      '--zones 1 2 3',
      '--attach-acr /subscriptions/',
      '--enable-azure-monitor-metrics',
      '--nodepool-taints CriticalAddonsOnly=true:NoSchedule',
      '--enable-cluster-autoscaler',
    ])
      expect(create).toContain(` ${flag}`);
    const roles = creating('az role assignment create').filter((line) => line.includes('managedClusters/'));
    expect(roles.map((line) => [flagValue(line, '--assignee-object-id'), line.split("--role '")[1]?.split("'")[0]])).toEqual([
      ['00000000-0000-0000-0000-000000000101', 'Azure Kubernetes Service RBAC Cluster Admin'],
      ['00000000-0000-0000-0000-000000000102', 'Azure Kubernetes Service Cluster User Role'],
      ['00000000-0000-0000-0000-000000000103', 'Azure Kubernetes Service Cluster User Role'],
    ]);
  });

  it('the datastores: private endpoints with their DNS zones, TLS-only Redis without public access, a Cosmos DB data-plane role for the dronescheduler', () => {
    const endpoints = creating('az network private-endpoint create').map((line) => [
      flagValue(line, '--name'),
      flagValue(line, '--group-id'),
      flagValue(line, '--subnet'),
    ]);
    expect(endpoints).toEqual([
      ['example-ampls', 'azuremonitor', 'endpoints'],
      ['example-mongo', 'MongoDB', 'endpoints'],
      ['example-cosmos', 'Sql', 'endpoints'],
      ['example-queue', 'redisCache', 'endpoints'],
      ['example-cache', 'redisCache', 'endpoints'],
      ['example-kv', 'vault', 'endpoints'],
    ]);
    const zones = creating('az network private-dns zone create').map((line) => flagValue(line, '--name'));
    const linked = creating('az network private-dns link vnet create').map((line) => flagValue(line, '--zone-name'));
    expect(linked).toEqual(zones);
    const registered = azCalls.filter((line) => /^az network private-endpoint dns-zone-group (create|add)$/.test(command(line)));
    expect(new Set(registered.map((line) => flagValue(line, '--private-dns-zone')))).toEqual(new Set(zones));
    const caches = creating('az redis create');
    expect(caches.map((line) => flagValue(line, '--name'))).toEqual(['example-queue', 'example-cache']);
    for (const cache of caches) {
      expect(cache).toContain('--minimum-tls-version 1.2');
      expect(cache).not.toContain('--enable-non-ssl-port');
    }
    expect(creating('az redis update').map((line) => flagValue(line, '--set'))).toEqual([
      'publicNetworkAccess=Disabled',
      'publicNetworkAccess=Disabled',
    ]);
    for (const account of creating('az cosmosdb create')) expect(account).toContain('--public-network-access DISABLED');
    const [dataRole] = creating('az cosmosdb sql role assignment create');
    const schedulerPrincipal = '00000000-0000-0000-0000-000000000036';
    expect(dataRole).toContain(`--role-definition-id 00000000-0000-0000-0000-000000000002 --principal-id ${schedulerPrincipal} --scope /`);
    expect(lines.some((line) => line.startsWith('az identity show') && line.includes('example-dronescheduler --query principalId'))).toBe(
      true,
    );
  });

  it("creates the dronescheduler's containers with the partition keys its store uses", () => {
    const containers = creating('az cosmosdb sql container create').map((line) => [
      flagValue(line, '--name'),
      flagValue(line, '--partition-key-path'),
    ]);
    const keyOf = (container: (typeof CONTAINERS)[keyof typeof CONTAINERS]) =>
      typeof container.partitionKey === 'string' ? container.partitionKey : container.partitionKey?.paths?.[0];
    expect(containers).toEqual(Object.values(CONTAINERS).map((container) => [container.id, keyOf(container)]));
  });

  it('stores every Key Vault secret the production values name, and lets each identity read only its own service’s', () => {
    const stored = creating('az keyvault secret set').map((line) => flagValue(line, '--name'));
    const readable = new Map<string, string[]>();
    let identity = '';
    for (const line of azCalls) {
      if (command(line) === 'az identity create') identity = (flagValue(line, '--name') as string).replace('example-', '');
      if (command(line) === 'az role assignment create' && line.includes("'Key Vault Secrets User'"))
        readable.set(identity, [...(readable.get(identity) ?? []), (flagValue(line, '--scope') as string).split('/secrets/')[1] as string]);
    }
    for (const service of SERVICE_CHARTS) {
      // The simulator's drone token is the team's to store (k8s/README.md says how).
      const named = Object.values(production[service]?.secrets?.variables ?? {}).filter((name) => name && name !== 'simulator-drone-token');
      expect(readable.get(service)?.sort(), service).toEqual(named.sort());
      for (const name of named) expect(stored).toContain(name);
    }
    expect(creating('az keyvault create')[0]).toContain('--enable-rbac-authorization true');
  });

  it('federates each identity with its service account, and applies the RoleBindings, ingress controller, Kyverno and policies', () => {
    const subjects = creating('az identity federated-credential create').map((line) => flagValue(line, '--subject'));
    expect(subjects.sort()).toEqual(SERVICE_CHARTS.map((service) => `system:serviceaccount:dronedelivery:${service}`).sort());
    const kubernetes = calls.filter((line) => !line.startsWith('az '));
    expect(kubernetes[0]).toBe('kubelogin convert-kubeconfig -l azurecli');
    expect(kubernetes).toContain('kubectl apply -k k8s/');
    const roles = new Set(
      clusterManifests()
        .filter((object) => object.kind === 'Role')
        .map((object) => object.metadata.name),
    );
    const bindings = kubernetes.filter((line) => line.startsWith('kubectl create rolebinding'));
    expect(bindings.map((line) => [flagValue(line, '--role'), flagValue(line, '--group')])).toEqual([
      ['dronedelivery-developer', '00000000-0000-0000-0000-000000000102'],
      ['dronedelivery-reader', '00000000-0000-0000-0000-000000000103'],
    ]);
    for (const line of bindings) {
      expect(roles).toContain(flagValue(line, '--role'));
      expect(line).toMatch(/--dry-run=client -o yaml \| kubectl apply -f -$/);
    }
    expect(kubernetes.find((line) => line.startsWith('helm upgrade --install ingress-nginx'))).toMatch(
      /--version \d+\.\d+\.\d+ .*-f k8s\/ingress-nginx\/values.yaml/,
    );
    expect(kubernetes.find((line) => line.startsWith('helm upgrade --install kyverno'))).toMatch(/--version \d+\.\d+\.\d+ /);
    expect(kubernetes.filter((line) => line.startsWith('sed '))).toEqual([
      "sed 's/dronedeliveryacr\\.azurecr\\.io/exampleacr.azurecr.io/g' k8s/policies/trusted-images.yaml | kubectl apply -f -",
      "sed 's/dronedeliveryacr\\.azurecr\\.io/exampleacr.azurecr.io/g' k8s/policies/restricted-pods.yaml | kubectl apply -f -",
    ]);
    expect(lines).toContain('REGISTRY=exampleacr.azurecr.io');
    // The overlay also goes into the cluster, where the per-service pipelines read it.
    expect(kubernetes.find((line) => line.startsWith('kubectl create configmap dronedelivery-environment'))).toMatch(
      /--namespace dronedelivery --from-file=values\.yaml=\S+ --dry-run=client -o yaml \| kubectl apply -f -$/,
    );
  });

  it('registers the API (v2 tokens, app roles, a scope Azure CLI may ask for) and the console as a single-page application', () => {
    const [api] = creating('az ad app create');
    expect(api).toContain('--display-name example-api');
    for (const role of ['customer', 'operator', 'drone']) expect(api).toContain(`"value":"${role}"`);
    expect(creating('az ad app update')[0]).toContain('--identifier-uris api://00000000-0000-0000-0000-000000000010');
    const patches = azCalls.filter((line) => line.startsWith('az rest --method PATCH'));
    const body = (line: string) => JSON.parse(line.split("--body '")[1]?.replace(/' --output none$/, '') as string);
    const settings = patches.map(body);
    expect(settings.at(-1).api.requestedAccessTokenVersion).toBe(2);
    expect(settings.at(-1).api.preAuthorizedApplications.map((app: { appId: string }) => app.appId)).toEqual([
      '04b07795-8ddb-461a-bbee-02f9e1bf7b46',
      '00000000-0000-0000-0000-000000000015',
    ]);
    expect(settings.find((patch) => patch.spa)?.spa.redirectUris).toEqual(['https://drones.example.com/']);
    const withMe = provision([...EXAMPLE, '--dry-run', '--assign-me-customer']).stdout;
    expect(withMe).toContain('"principalId":"00000000-0000-0000-0000-000000000003"');
    expect(withMe).toContain('"appRoleId":"00000000-0000-0000-0000-000000000011"');
    // Without --assign-me-customer, the one app role granted is the drone role, to the simulator's identity.
    const granted = (stdout: string) =>
      stdout
        .split('\n')
        .filter((line) => line.startsWith('az rest --method POST') && line.includes('appRoleAssignedTo'))
        .map((line) => {
          const grant = JSON.parse(line.split("--body '")[1]?.replace(/' --output none$/, '') as string);
          return [grant.principalId, grant.appRoleId];
        });
    const simulatorPrincipal = '00000000-0000-0000-0000-000000000038';
    expect(granted(dryRun.stdout)).toEqual([[simulatorPrincipal, '00000000-0000-0000-0000-000000000013']]);
    expect(granted(withMe)).toEqual([
      [simulatorPrincipal, '00000000-0000-0000-0000-000000000013'],
      ['00000000-0000-0000-0000-000000000003', '00000000-0000-0000-0000-000000000011'],
    ]);
    expect((overlay.simulator as { config: Record<string, string> }).config.DRONE_TOKEN_SCOPE).toBe(
      'api://00000000-0000-0000-0000-000000000010/.default',
    );
  });

  it('the overlay holds no secret: Key Vault names only, no credential in any setting', () => {
    // The dry run's stand-ins for the keys and connection strings it reads all start so.
    expect(azCalls.filter((line) => line.startsWith('az redis list-keys'))).toHaveLength(2);
    expect(dryRun.overlay).not.toContain('EXAMPLE-SECRET');
    for (const service of SERVICE_CHARTS) {
      const section = overlay[service] as { config?: Record<string, string>; secrets?: Record<string, unknown> };
      expect(
        Object.keys(section.config ?? {}).filter((name) => SECRET_VARIABLES.has(name)),
        service,
      ).toEqual([]);
      expect(Object.keys(section.secrets ?? {}), service).toEqual(['keyVault']);
      for (const value of Object.values(section.config ?? {}))
        expect(value, service).not.toMatch(/@|password|AccountKey|InstrumentationKey/i);
    }
  });
});

describe('the node-pool arithmetic', () => {
  it("takes AKS's reservations: kube-reserved CPU by cores, memory the smaller of 20 MB a pod + 50 MB and a quarter", () => {
    const after = (vcpus: number, memoryMiB: number, maxPods: number) => allocatablePerNode({ ...USER_POOL, vcpus, memoryMiB, maxPods });
    const allowance = DAEMONSET_ALLOWANCE;
    // AKS's own examples: 8 GB and 30 pods reserve 650 MB; 4 GB and 70 pods a quarter, 1000 MB.
    expect(after(2, 8192, 30).memoryMiB).toBe(8192 - 650 - 100 - allowance.memoryMiB);
    expect(after(2, 4096, 70).memoryMiB).toBe(4096 - 1024 - 100 - allowance.memoryMiB);
    expect(after(8, 32768, 50)).toMatchObject({ cpu: 8000 - 180 - allowance.cpu, pods: 50 - allowance.pods });
    expect(after(16, 65536, 50).cpu).toBe(16000 - 260 - allowance.cpu);
  });
});

describe.skipIf(!helmBinary)('the production install with the overlay', () => {
  it("values-production.yaml has no id of anyone's subscription: every id rendered comes from the overlay", () => {
    expect(readFileSync(join(repositoryDirectory, 'charts/dronedelivery/values-production.yaml'), 'utf8').match(GUID)).toBeNull();
    const rendered = new Set(JSON.stringify(render('dronedelivery', 'everything')).match(GUID));
    // The tenant, eight identities' client ids, the API's and the console's application ids.
    const settings = new Set(dryRun.overlay.replace(/^#.*$/gm, '').match(GUID));
    expect(settings.size).toBe(11);
    expect(rendered).toEqual(settings);
  });

  it('every subscription-specific setting reaches its pods', () => {
    const objects = render('dronedelivery', 'everything');
    for (const service of SERVICE_CHARTS) {
      const deployment = objects.find((object) => object.kind === 'Deployment' && object.metadata.name === service) as KubeObject;
      const environment = environmentOf(deployment, objects);
      const config = (overlay[service] as { config?: Record<string, string> }).config ?? {};
      for (const [name, value] of Object.entries(config)) expect(environment[name], `${service} ${name}`).toBe(String(value));
    }
    const hosts = objects
      .filter((object) => object.kind === 'Ingress')
      .flatMap((ingress) => (ingress.spec as { rules: { host: string }[] }).rules);
    expect(new Set(hosts.map((rule) => rule.host))).toEqual(new Set(['drones.example.com']));
  });

  it.each(['production', 'everything'] as const)(
    '%s: every egress rule names its destination (DNS too), none is "any address"',
    (scenario) => {
      for (const policy of render('dronedelivery', scenario).filter((object) => object.kind === 'NetworkPolicy')) {
        for (const rule of (policy.spec as { egress: { to?: { ipBlock?: { cidr: string } }[] }[] }).egress) {
          expect(rule.to?.length, `${policy.metadata.name}: ${JSON.stringify(rule)}`).toBeGreaterThan(0);
          for (const peer of rule.to ?? []) expect(peer.ipBlock?.cidr ?? '').not.toMatch(/^0\.0\.0\.0\/0$|^::\/0$/);
        }
      }
    },
  );

  it("the user node pools' defaults are the capacity arithmetic's result", () => {
    const size = nodePoolSize();
    const pools = creating('az aks nodepool add');
    expect(pools.map((line) => flagValue(line, '--zones'))).toEqual(['1', '2', '3'].slice(0, size.zones));
    for (const pool of pools) {
      expect(flagValue(pool, '--node-vm-size')).toBe(size.vmSize);
      expect(flagValue(pool, '--max-pods')).toBe(String(size.maxPods));
      expect(flagValue(pool, '--min-count')).toBe(String(size.minPerZone));
      expect(flagValue(pool, '--max-count')).toBe(String(size.maxPerZone));
    }
  });

  it('each identity is federated with the service account its pods run as', () => {
    const serviceAccounts = render('dronedelivery', 'everything')
      .filter((object) => object.kind === 'ServiceAccount')
      .map((object) => `system:serviceaccount:dronedelivery:${object.metadata.name}`);
    expect(
      creating('az identity federated-credential create')
        .map((line) => flagValue(line, '--subject'))
        .sort(),
    ).toEqual(serviceAccounts.sort());
  });
});
