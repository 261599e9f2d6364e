// The documentation stands alone: every link in every Markdown file of the repository is
// relative and lands on a file that exists (and, with #anchor, on a heading of that file, as
// GitHub anchors it). No link leaves the repository; a URL a reader needs is written as
// code, where it is text and not a link.
import { existsSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anchorsOf, markdownFiles, proseLines, read, root, slug, withoutCode } from './markdown.ts';

interface Link {
  file: string;
  line: number;
  target: string;
}

/** Inline links and images, `[text](target "title")` and `![alt](target)`. */
const INLINE = /!?\[(?:[^\]\\]|\\.)*\]\(\s*(<[^>]*>|[^\s)]+)(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)/g;
/** Reference definitions, `[label]: target`. */
const DEFINITION = /^\s{0,3}\[((?:[^\]\\]|\\.)+)\]:\s*(<[^>]*>|\S+)/;
/** Full and collapsed reference links, `[text][label]` and `[text][]`. */
const REFERENCE = /\[((?:[^\]\\]|\\.)+)\]\[((?:[^\]\\]|\\.)*)\]/g;
/** Autolinks and bare URLs, which GitHub turns into links. */
const AUTOLINK = /<([a-z][a-z0-9+.-]*:[^\s>]+)>|\b(?:https?|ftp):\/\/[^\s)>\]]+|\bwww\.[a-z0-9-]+\.[a-z]{2,}/gi;
const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

const normalizeLabel = (label: string) => label.trim().replace(/\s+/g, ' ').toLowerCase();

function linksOf(file: string): { links: Link[]; problems: string[] } {
  const links: Link[] = [];
  const problems: string[] = [];
  const lines = proseLines(read(file));
  const definitions = new Map<string, string>();
  for (const { number, text } of lines) {
    const definition = DEFINITION.exec(text);
    if (definition) {
      definitions.set(normalizeLabel(definition[1] ?? ''), definition[2] ?? '');
      links.push({ file, line: number, target: definition[2] ?? '' });
    }
  }
  for (const { number, text } of lines) {
    const prose = withoutCode(text);
    if (DEFINITION.test(prose)) continue;
    for (const match of prose.matchAll(INLINE)) links.push({ file, line: number, target: match[1] ?? '' });
    for (const match of prose.matchAll(REFERENCE)) {
      const label = normalizeLabel(match[2] || (match[1] ?? ''));
      if (!definitions.has(label)) problems.push(`${file}:${number}: reference link [${match[1]}][${match[2]}] has no definition`);
    }
    for (const match of withoutLinks(prose).matchAll(AUTOLINK)) {
      problems.push(`${file}:${number}: ${match[0]} becomes a link out of the repository; write it as code (\`…\`) or drop it`);
    }
  }
  return { links, problems };
}

/** The line without its inline links (their targets are checked on their own). */
function withoutLinks(text: string): string {
  return text.replace(INLINE, (link) => ' '.repeat(link.length));
}

function check(link: Link): string | undefined {
  const where = `${link.file}:${link.line}: (${link.target})`;
  const target = link.target.replace(/^<(.*)>$/, '$1');
  if (SCHEME.test(target)) return `${where} leaves the repository: links must be relative paths to files in it`;
  if (target.startsWith('/')) return `${where} is absolute: write it relative to ${link.file}`;
  const [rawPath = '', anchor] = target.split('#', 2);
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return `${where} is not a valid percent-encoded path`;
  }
  const resolved = path ? join(root, dirname(link.file), path) : join(root, link.file);
  const inside = relative(root, resolved);
  if (inside.startsWith(`..${sep}`) || inside === '..') return `${where} points outside the repository`;
  if (!existsSync(resolved)) return `${where}: ${inside} does not exist`;
  if (anchor === undefined) return undefined;
  if (statSync(resolved).isDirectory() || !resolved.endsWith('.md')) return `${where}: #${anchor} on a file that is not Markdown`;
  const anchors = anchorsOf(read(inside));
  if (!anchors.has(anchor)) {
    const near = [...anchors].filter((candidate) => candidate.includes(slug(anchor).split('-')[0] ?? '')).slice(0, 5);
    return `${where}: ${inside} has no heading #${anchor}${near.length ? ` (has: ${near.join(', ')})` : ''}`;
  }
  return undefined;
}

describe('links in the Markdown files', () => {
  const files = markdownFiles();

  it('finds the documentation', () => {
    expect(files).toEqual(expect.arrayContaining(['README.md', 'docs/api.md', 'docs/architecture.md']));
  });

  it('are relative, and land on files and headings that exist', () => {
    const problems: string[] = [];
    for (const file of files) {
      const found = linksOf(file);
      problems.push(...found.problems);
      for (const link of found.links) {
        const problem = check(link);
        if (problem) problems.push(problem);
      }
    }
    expect(problems).toEqual([]);
  });

  it('never mention ../shared', () => {
    const offenders = files.flatMap((file) =>
      read(file)
        .split('\n')
        .flatMap((text, index) => (text.includes('../shared') ? [`${file}:${index + 1}`] : [])),
    );
    expect(offenders).toEqual([]);
  });
});

describe('the link checker', () => {
  it('anchors headings as GitHub does', () => {
    expect(slug('Quick start: the two commands')).toBe('quick-start-the-two-commands');
    expect(slug('The public API (through the gateway)')).toBe('the-public-api-through-the-gateway');
    expect(slug('`QUEUE_*` settings — and more')).toBe('queue_-settings--and-more');
    expect(slug('Deploying to AKS: from an empty subscription to a canary release')).toBe(
      'deploying-to-aks-from-an-empty-subscription-to-a-canary-release',
    );
  });
});
