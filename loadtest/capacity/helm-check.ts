// Checks an overlay the way Helm will take it: renders the umbrella chart with it (values
// schemas enforced) from a scratch copy of charts/ whose dependencies are vendored there,
// so the repository's charts are never touched, and reads back the service's HPA.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const chartsDirectory = fileURLToPath(new URL('../../charts', import.meta.url));
export const KUBE_VERSION = '1.34.0';

function helmBinary(): string | undefined {
  const candidates = [process.env.HELM_BIN, fileURLToPath(new URL('../../.tools/bin/helm', import.meta.url))];
  const found = candidates.find((path): path is string => Boolean(path && existsSync(path)));
  if (found) return found;
  const which = spawnSync('sh', ['-c', 'command -v helm'], { encoding: 'utf8' });
  return which.status === 0 ? which.stdout.trim() : undefined;
}

export interface HelmCheck {
  ok: boolean;
  /** The command, for the report. */
  command: string;
  /** The service's rendered HorizontalPodAutoscaler, or why rendering failed. */
  detail: string;
}

/** The rendered HPA (one YAML document) of `service`, from helm template's output. */
export function renderedHpa(manifests: string, service: string): string | undefined {
  return manifests
    .split(/^---$/m)
    .find(
      (document) =>
        /^kind: HorizontalPodAutoscaler$/m.test(document) && new RegExp(`^# Source: [^\\n]*/charts/${service}/`, 'm').test(document),
    )
    ?.trim();
}

/** Renders charts/dronedelivery with the overlay at `overlayPath` (absolute); `shownPath` is how the report names it. */
export function checkOverlay(service: string, overlayPath: string, shownPath = overlayPath): HelmCheck {
  const helm = helmBinary();
  const command = `helm template x charts/dronedelivery --kube-version ${KUBE_VERSION} -f ${shownPath}`;
  if (!helm) return { ok: false, command, detail: 'helm not found (HELM_BIN, .tools/bin/helm or PATH): the overlay was not checked' };
  const scratch = mkdtempSync(join(tmpdir(), 'capacity-charts-'));
  try {
    const charts = join(scratch, 'charts');
    cpSync(chartsDirectory, charts, { recursive: true, filter: (source) => !source.includes('node_modules') });
    const run = (args: string[]) => spawnSync(helm, args, { cwd: charts, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const services = readdirSync(charts).filter(
      (name) => name !== 'dronedelivery' && name !== 'common' && existsSync(join(charts, name, 'Chart.yaml')),
    );
    for (const chart of [...services, 'dronedelivery']) {
      const update = run(['dependency', 'update', '--skip-refresh', chart]);
      if (update.status !== 0) return { ok: false, command, detail: `helm dependency update ${chart} failed:\n${update.stderr}` };
    }
    const template = run(['template', 'x', 'dronedelivery', '--kube-version', KUBE_VERSION, '-f', overlayPath]);
    if (template.status !== 0) return { ok: false, command, detail: template.stderr.trim() };
    const hpa = renderedHpa(template.stdout, service);
    return hpa
      ? { ok: true, command, detail: hpa }
      : { ok: false, command, detail: `the chart rendered, but with no HorizontalPodAutoscaler for ${service}` };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
