// The admission policies under k8s/policies as a cluster gets them: the example registry
// (dronedeliveryacr.azurecr.io) replaced by the team's, as the set-up applies them.
import { readdirSync, readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import type { Policy } from './admission-policy.ts';
import { repositoryRoot } from './workspace.ts';

export const EXAMPLE_REGISTRY = 'dronedeliveryacr.azurecr.io';

export function policiesFor(registry: string): Policy[] {
  const directory = `${repositoryRoot}k8s/policies/`;
  return readdirSync(directory)
    .filter((file) => file.endsWith('.yaml'))
    .flatMap((file) =>
      parseAllDocuments(readFileSync(`${directory}${file}`, 'utf8').replaceAll(EXAMPLE_REGISTRY, registry)).map(
        (document) => document.toJS() as Policy,
      ),
    );
}
