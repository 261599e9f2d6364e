// The Secrets a quick test creates are the ones the charts read: the `kubectl create secret`
// commands in docs/deployment.md and the table in charts/README.md name, for each Secret,
// exactly the keys the default values read (a missing key stops the pod at
// CreateContainerConfigError; an extra one is a secret made for nothing).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { helmBinary, type KubeObject, render, repositoryDirectory } from '../scripts/render.ts';
import { SERVICE_CHARTS } from '../scripts/services.ts';
import { podSpec } from './policies.ts';

type KeysBySecret = Record<string, string[]>;

const read = (path: string) => readFileSync(join(repositoryDirectory, path), 'utf8');

/** The part of a Markdown text under a heading, up to the next heading of the same level. */
function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`no heading "${heading}"`);
  const level = heading.split(' ')[0] as string;
  const next = markdown.indexOf(`\n${level} `, start + heading.length + 1);
  return markdown.slice(start, next < 0 ? undefined : next);
}

/** Secret name -> the keys the rendered Deployments read from it (secretKeyRef). */
function keysRead(objects: KubeObject[]): KeysBySecret {
  const keys: KeysBySecret = {};
  for (const deployment of objects.filter((object) => object.kind === 'Deployment'))
    for (const container of podSpec(deployment).containers)
      for (const variable of container.env ?? []) {
        const reference = variable.valueFrom?.secretKeyRef;
        if (reference) keys[reference.name] = [...new Set([...(keys[reference.name] ?? []), reference.key])].sort();
      }
  return keys;
}

/** Secret name -> keys, from each `kubectl create secret generic <name> --from-literal=<key>=...`. */
export function documentedSecrets(markdown: string): KeysBySecret {
  const keys: KeysBySecret = {};
  const commands = markdown
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .filter((line) => /\bkubectl\b.*\bcreate secret generic\b/.test(line));
  for (const command of commands) {
    const name = /create secret generic (\S+)/.exec(command)?.[1] as string;
    keys[name] = [...command.matchAll(/--from-literal=([^=\s]+)=/g)].map((match) => match[1] as string).sort();
  }
  return keys;
}

/** Secret name -> keys, from the rows of the Secrets table ("none": no keys). */
export function tabledSecrets(markdown: string): KeysBySecret {
  const rows = markdown.split('\n').filter((line) => /^\s*\| `[a-z]+` \|/.test(line));
  return Object.fromEntries(
    rows.map((row) => {
      const [name = '', keys = ''] = row.split('|').slice(1, 3);
      const codes = [...keys.matchAll(/`([^`]+)`/g)].map((match) => match[1] as string);
      return [name.trim().replaceAll('`', ''), codes.sort()];
    }),
  );
}

const withoutEmpty = (keys: KeysBySecret) => Object.fromEntries(Object.entries(keys).filter(([, list]) => list.length > 0));

describe.skipIf(!helmBinary)('the documented Secrets are the ones the charts read', () => {
  const quickTest = section(read('docs/deployment.md'), '## Kubernetes (AKS)');
  const table = section(read('charts/README.md'), '## Secrets');

  it("docs/deployment.md's quick test creates exactly the Secrets and keys the default install reads", () => {
    expect(documentedSecrets(quickTest)).toEqual(keysRead(render('dronedelivery', 'default')));
  });

  it("charts/README.md's table lists every chart, with exactly the keys its default values read", () => {
    const tabled = tabledSecrets(table);
    expect(Object.keys(tabled).sort()).toEqual([...SERVICE_CHARTS].sort());
    expect(withoutEmpty(tabled)).toEqual(keysRead(render('dronedelivery', 'default', ['simulator.enabled=true'])));
  });

  it('a documented key the charts do not read, or one missing, is reported', () => {
    const expected = keysRead(render('dronedelivery', 'default'));
    expect(documentedSecrets(quickTest.replace('workflow-admin-token', 'admin-token'))).not.toEqual(expected);
    expect(documentedSecrets(quickTest.replace(/ \\\n\s*--from-literal=admin-token="\$ADMIN_TOKEN"/, ''))).not.toEqual(expected);
  });
});
