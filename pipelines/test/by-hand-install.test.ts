// The by-hand release of docs/deployment.md (step 4, "First release") run as written: the sh
// block between the by-hand-install markers runs with bash from the repository root against a
// loopback registry, with az, kubectl and helm on the PATH replaced by shims that record their
// calls; helm's `upgrade --install` renders the release with `helm template` and the same
// values instead, and `helm dependency build` runs for real. Then every unit must be in the
// registry by the digest the overlay names, the release must run exactly those images, every
// object must pass the Kubernetes schemas, and the admission policies (with the registry put
// in) must admit every pod template. Changing the block changes what runs here.
// Needs Docker with the base image (bash .ci/docker-setup), crane and helm: pnpm test:by-hand.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helmBinary, KUBE_VERSION, type KubeObject } from '@dronedelivery/charts/scripts/render.ts';
import { SERVICE_CHARTS } from '@dronedelivery/charts/scripts/services.ts';
import { schemaProblems } from '@dronedelivery/charts/test/kube-schemas.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { evaluate, type KubeObject as PolicyResource } from '../src/admission-policy.ts';
import { run, tool } from '../src/commands.ts';
import { type ImagesOverlay, readOverlay } from '../src/images-overlay.ts';
import { type LocalRegistry, startRegistry } from '../src/local-registry.ts';
import { policiesFor } from '../src/policy-files.ts';
import { registryName } from '../src/push-images-options.ts';
import { docker } from '../src/unit-image.ts';
import { repositoryRoot, SERVICE_PATHS } from '../src/workspace.ts';

/** What k8s/aks/provision.sh --dry-run writes: the subscription's part of the values. */
const AZURE_OVERLAY = `${repositoryRoot}k8s/aks/values-example.yaml`;
const DOCUMENT = `${repositoryRoot}docs/deployment.md`;
const BLOCK = /<!-- by-hand-install:start -->\s*```sh\n([\s\S]*?)\n\s*```\s*<!-- by-hand-install:end -->/;

// Pushing CI's images takes about a minute; building all eight first, many more.
const BLOCK_TIMEOUT = 1_800_000;

const dockerRunning = existsSync(docker) && spawnSync(docker, ['info'], { stdio: 'ignore' }).status === 0;
const crane = tool('crane');
const ready = dockerRunning && Boolean(helmBinary) && existsSync(crane);

/** The block as a reader copies it: the list item's indentation taken off. */
function documentedBlock(): string {
  const found = BLOCK.exec(readFileSync(DOCUMENT, 'utf8'));
  if (!found) throw new Error('docs/deployment.md has no sh block between <!-- by-hand-install:start --> and <!-- by-hand-install:end -->');
  const lines = (found[1] as string).split('\n');
  const indent = Math.min(...lines.filter((line) => line.trim()).map((line) => /^ */.exec(line)?.[0].length ?? 0));
  return lines.map((line) => line.slice(indent)).join('\n');
}

/** Each shim appends its argv to $SHIM_LOG, one call a line, arguments tab-separated. */
const RECORD = `{ printf '%s' "$(basename "$0")"; printf '\\t%s' "$@"; printf '\\n'; } >>"$SHIM_LOG"`;
const SHIMS: Record<string, string> = {
  az: `#!/usr/bin/env bash\n${RECORD}\n`,
  kubectl: `#!/usr/bin/env bash\n${RECORD}\n`,
  // Vendoring charts is local and offline: it runs. An install renders instead, with the
  // same chart, release, namespace and values; the cluster-only flags are dropped.
  helm: `#!/usr/bin/env bash
set -euo pipefail
${RECORD}
case "$1" in
  dependency) exec "$REAL_HELM" "$@" ;;
  upgrade)
    shift
    args=()
    while [ $# -gt 0 ]; do
      case "$1" in
        --install | --wait | --atomic | --create-namespace) ;;
        --timeout) shift ;;
        *) args+=("$1") ;;
      esac
      shift
    done
    "$REAL_HELM" template "\${args[@]}" --kube-version "$KUBE_VERSION" >"$RENDERED" ;;
esac
`,
};

/** Objects that run pods: those with a pod template. */
const workloads = (objects: KubeObject[]) => objects.filter((object) => (object.spec as { template?: unknown } | undefined)?.template);

interface Call {
  tool: string;
  args: string[];
}

describe.skipIf(!ready)('the by-hand release in docs/deployment.md, run as written', () => {
  let registry: LocalRegistry;
  let work: string;
  let calls: Call[];
  let overlay: ImagesOverlay;
  let release: KubeObject[];
  let block: ChildProcess | undefined;
  let finished: { status: number | null; output: string };
  /** The checks below look at what the block left: there is nothing to look at if it failed. */
  const ranToTheEnd = () => {
    if (finished?.status !== 0) throw new Error('the block did not run to the end: see "runs to the end"');
  };

  beforeAll(async () => {
    registry = await startRegistry();
    work = mkdtempSync(join(tmpdir(), 'by-hand-install-'));
    const [shims, values] = [join(work, 'bin'), join(work, 'values')];
    mkdirSync(shims);
    mkdirSync(values);
    for (const [name, script] of Object.entries(SHIMS)) {
      writeFileSync(join(shims, name), script);
      chmodSync(join(shims, name), 0o755);
    }
    copyFileSync(AZURE_OVERLAY, join(values, 'dronedelivery-azure.yaml'));
    // As in a fresh clone: no chart vendored yet, so the block's own `helm dependency build`
    // calls, in their order, are what makes the release renderable.
    for (const chart of [...SERVICE_CHARTS, 'dronedelivery'])
      for (const vendored of ['charts', 'Chart.lock'])
        rmSync(join(repositoryRoot, 'charts', chart, vendored), { recursive: true, force: true });

    const env = {
      ...process.env,
      PATH: `${shims}:${process.env.PATH}`,
      REGISTRY: registry.host,
      VALUES_DIR: values,
      SHIM_LOG: join(work, 'calls.tsv'),
      RENDERED: join(work, 'release.yaml'),
      REAL_HELM: helmBinary as string,
      KUBE_VERSION,
    };
    finished = await new Promise<{ status: number | null; output: string }>((resolve, reject) => {
      // Its own process group, so that a run cut short stops everything it started.
      const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', documentedBlock()], { cwd: repositoryRoot, env, detached: true });
      block = child;
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      child.stderr.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      child.on('error', reject);
      child.on('close', (status) => resolve({ status, output: text }));
    });
    if (finished.status !== 0) return;
    calls = readFileSync(env.SHIM_LOG, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => {
        const [name, ...args] = line.split('\t');
        return { tool: name as string, args };
      });
    overlay = readOverlay(readFileSync(join(values, 'dronedelivery-images.yaml'), 'utf8'));
    release = parseAllDocuments(readFileSync(env.RENDERED, 'utf8'))
      .map((document) => document.toJS() as KubeObject | null)
      .filter((object): object is KubeObject => object !== null);
  }, BLOCK_TIMEOUT);

  afterAll(() => {
    if (block?.pid && block.exitCode === null) process.kill(-block.pid, 'SIGTERM');
    registry?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('runs to the end', () => {
    expect(finished.status, finished.output.split('\n').slice(-30).join('\n')).toBe(0);
  });

  it('signs in to the registry, vendors every chart with the umbrella last, and installs once', () => {
    ranToTheEnd();
    expect(calls.filter((call) => call.tool === 'az')).toEqual([
      { tool: 'az', args: ['acr', 'login', '--name', registryName(registry.host)] },
    ]);
    const vendored = calls.filter((call) => call.tool === 'helm' && call.args[0] === 'dependency').map((call) => call.args.at(-1));
    expect([...vendored].sort()).toEqual([...SERVICE_CHARTS, 'dronedelivery'].map((chart) => `charts/${chart}`).sort());
    expect(vendored.at(-1)).toBe('charts/dronedelivery');
    const installs = calls.filter((call) => call.tool === 'helm' && call.args[0] === 'upgrade');
    expect(installs).toHaveLength(1);
    expect(installs[0]?.args.slice(0, 4)).toEqual(['upgrade', '--install', 'dronedelivery', 'charts/dronedelivery']);
    expect(calls.filter((call) => call.tool === 'kubectl')).toEqual([]);
  });

  it('pushes every unit, and the overlay names the digest the registry holds under its commit tag', async () => {
    ranToTheEnd();
    expect(Object.keys(overlay).sort()).toEqual(Object.keys(SERVICE_PATHS).sort());
    const commit = (await run('git', ['rev-parse', 'HEAD'])).stdout.trim().slice(0, 12);
    for (const [unit, { image }] of Object.entries(overlay)) {
      expect(image).toMatchObject({ registry: registry.host, repository: `dronedelivery/${unit}` });
      const repository = `${registry.host}/dronedelivery/${unit}`;
      const tags = (await run(crane, ['ls', '--insecure', repository])).stdout.trim().split('\n');
      expect(tags).toHaveLength(1);
      expect(tags[0]).toMatch(new RegExp(`^${commit}(-dirty)?$`));
      expect((await run(crane, ['digest', '--insecure', `${repository}:${tags[0]}`])).stdout.trim(), unit).toBe(image.digest);
    }
  });

  it("the release runs every enabled unit from the overlay's digest, and no other image", () => {
    ranToTheEnd();
    const deployments = release.filter((object) => object.kind === 'Deployment');
    // Production leaves the simulator out.
    expect(deployments.map((workload) => workload.metadata.name).sort()).toEqual(
      SERVICE_CHARTS.filter((chart) => chart !== 'simulator').sort(),
    );
    for (const workload of workloads(release)) {
      const unit = workload.metadata.labels?.['app.kubernetes.io/name'] as string;
      const { image } = overlay[unit] ?? {};
      const pod = (workload.spec as { template: { spec: { containers: { image: string }[]; initContainers?: { image: string }[] } } })
        .template.spec;
      for (const container of [...pod.containers, ...(pod.initContainers ?? [])])
        expect(container.image, unit).toBe(`${image?.registry}/${image?.repository}@${image?.digest}`);
    }
  });

  it('every object of the release passes the Kubernetes schemas', () => {
    ranToTheEnd();
    expect(release.length).toBeGreaterThan(40);
    expect(
      release.flatMap((object) => schemaProblems(object).map((problem) => `${object.kind} ${object.metadata.name}: ${problem}`)),
    ).toEqual([]);
  });

  it("the admission policies, with the registry put in, admit every workload's pod template", () => {
    ranToTheEnd();
    const policies = policiesFor(registry.host);
    const install = calls.find((call) => call.tool === 'helm' && call.args[0] === 'upgrade')?.args ?? [];
    const namespace = install[install.indexOf('--namespace') + 1];
    expect(workloads(release)).toHaveLength(SERVICE_CHARTS.length - 1);
    for (const workload of workloads(release)) {
      const resource = { ...workload, metadata: { namespace, ...workload.metadata } } as PolicyResource;
      // Every rule applies (none skipped: right namespace, images covered) and passes.
      expect(
        policies.flatMap((policy) => evaluate(policy, resource)).filter((result) => result.result !== 'pass'),
        workload.metadata.name,
      ).toEqual([]);
    }
  });
});
