// The commit images are built from, and whether the working tree has changed since: images
// are tagged with the commit (`-dirty` when it has changed), and only an image built from a
// clean tree carries the commit as its revision, so only such an image may be reused.
import { run } from './commands.ts';

// What load and fault runs write (their results, and the report the fault suite regenerates)
// is no input to an image (.dockerignore leaves it out).
const RUN_OUTPUTS = [':!loadtest/results', ':!resilience/results', ':!docs/reliability.md'];

export interface SourceRevision {
  /** The image tag: the commit's first 12 characters, with `-dirty` when the tree has changed. */
  tag: string;
  /** The OCI revision label of an image built from this tree: the full commit, `-dirty` likewise. */
  revision: string;
  /** True when the tree matches the commit, so an image labelled with the commit is this tree's. */
  clean: boolean;
}

export async function sourceRevision(): Promise<SourceRevision> {
  const commit = (await run('git', ['rev-parse', 'HEAD'])).stdout.trim();
  const clean = (await run('git', ['status', '--porcelain', '--', '.', ...RUN_OUTPUTS])).stdout.trim() === '';
  const suffix = clean ? '' : '-dirty';
  return { tag: `${commit.slice(0, 12)}${suffix}`, revision: `${commit}${suffix}`, clean };
}
