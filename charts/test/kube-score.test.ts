// kube-score, a third-party linter, reads the rendered production install (and production with
// every optional feature) as a reviewer would: any CRITICAL or WARNING fails, except the
// checks switched off below, each with the reason it does not apply. CI builds kube-score;
// without it (KUBE_SCORE_BIN, or .tools/bin/kube-score) these tests are skipped.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { helmBinary, KUBE_VERSION, render, repositoryDirectory, type Scenario } from '../scripts/render.ts';

const candidates = [process.env.KUBE_SCORE_BIN, join(repositoryDirectory, '.tools/bin/kube-score')];
const kubeScore = candidates.find((path): path is string => Boolean(path && existsSync(path)));

/** Checks switched off, each with why it does not apply to these charts. */
export const IGNORED_CHECKS: Record<string, string> = {
  'deployment-has-host-podantiaffinity':
    'replicas spread over nodes by topologySpreadConstraints on kubernetes.io/hostname, which this check does not read (charts.test.ts requires them)',
  'deployment-replicas':
    "the simulator is one replica by design, and KEDA creates the workflow's HPA at run time, out of kube-score's sight (charts.test.ts requires an autoscaler on every other Deployment)",
};

/** Optional checks the charts meet, switched on so that they stay met. */
const OPTIONAL_CHECKS = ['container-seccomp-profile', 'container-ports-check'];

/** kube-score's grades (scorecard.Grade): 1 critical, 5 warning, 7 almost OK, 10 OK. */
const WARNING = 5;

interface ScoredObject {
  object_name: string;
  checks: { check: { id: string }; grade: number; skipped: boolean; comments: { path: string; summary: string }[] | null }[];
}

/** kube-score's CRITICAL and WARNING findings on the scenario's umbrella install, as "object check: summary". */
function findings(scenario: Scenario, set: string[] = [], ignored = Object.keys(IGNORED_CHECKS)): string[] {
  const manifests = render('dronedelivery', scenario, set)
    .map((object) => stringify(object))
    .join('---\n');
  const [major, minor] = KUBE_VERSION.split('.');
  const result = spawnSync(
    kubeScore as string,
    [
      'score',
      '--output-format',
      'json',
      '--kubernetes-version',
      `v${major}.${minor}`,
      // Only the list above switches a check off, never an annotation on an object.
      '--disable-ignore-checks-annotations',
      ...OPTIONAL_CHECKS.flatMap((check) => ['--enable-optional-test', check]),
      ...ignored.flatMap((check) => ['--ignore-test', check]),
      '-',
    ],
    { input: manifests, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  // Exit status 1 means findings (read below); anything else, or no JSON, is kube-score failing.
  if (result.status !== 0 && result.status !== 1) throw new Error(`kube-score failed (${result.status}): ${result.stderr}`);
  const scored = JSON.parse(result.stdout) as ScoredObject[];
  return scored
    .flatMap((object) =>
      object.checks
        .filter((check) => !check.skipped && check.grade <= WARNING)
        .map((check) => {
          const comments = (check.comments ?? []).map((comment) => `${comment.path} ${comment.summary}`.trim()).join('; ');
          return `${object.object_name} ${check.check.id}: ${comments}`;
        }),
    )
    .sort();
}

describe.skipIf(!kubeScore || !helmBinary)('kube-score on the rendered install', () => {
  it.each(['production', 'everything'] as const)('the %s install has no CRITICAL or WARNING finding', (scenario) => {
    expect(findings(scenario)).toEqual([]);
  });

  it('each check switched off would otherwise report something (none is switched off for nothing)', () => {
    const unfiltered = [...findings('production', [], []), ...findings('everything', [], [])];
    const unneeded = Object.keys(IGNORED_CHECKS).filter((check) => !unfiltered.some((finding) => finding.includes(` ${check}:`)));
    expect(unneeded).toEqual([]);
  });

  it('a finding fails the check: a tag pulled only when absent, a pod without a network policy', () => {
    const found = findings('production', ['gateway.image.pullPolicy=IfNotPresent', 'delivery.networkPolicy.enabled=false']);
    expect(found.some((finding) => finding.includes('//gateway container-image-pull-policy'))).toBe(true);
    expect(found.some((finding) => finding.includes('//delivery pod-networkpolicy'))).toBe(true);
  });
});
