// Just enough Markdown for the documentation tests: the repository's Markdown files, their
// headings as GitHub anchors them, and the prose outside code (where links and route names are).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../', import.meta.url));

/** Tracked Markdown files, and new ones not ignored, as paths relative to the root. */
export function markdownFiles(): string[] {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', '*.md'], {
    cwd: root,
    encoding: 'utf8',
  });
  return [...new Set(listed.split('\0'))]
    .filter((path) => path && !/(^|\/)node_modules\//.test(path) && !path.startsWith('.tools/'))
    .filter((path) => existsSync(join(root, path)))
    .sort();
}

export function read(path: string): string {
  return readFileSync(join(root, path), 'utf8');
}

export interface Line {
  number: number;
  text: string;
}

/** The lines outside fenced code blocks (``` or ~~~), with their line numbers. */
export function proseLines(markdown: string): Line[] {
  const lines: Line[] = [];
  let fence: string | undefined;
  for (const [index, text] of markdown.split('\n').entries()) {
    const marker = /^\s{0,3}(`{3,}|~{3,})/.exec(text)?.[1];
    if (fence) {
      if (marker && marker[0] === fence[0] && marker.length >= fence.length && text.trim() === marker) fence = undefined;
      continue;
    }
    if (marker) {
      fence = marker;
      continue;
    }
    lines.push({ number: index + 1, text });
  }
  return lines;
}

const CODE_SPAN = /(`+)(?!`)([\s\S]*?[^`])\1(?!`)/g;

/** The contents of a line's inline code spans. */
export function codeSpans(text: string): string[] {
  return [...text.matchAll(CODE_SPAN)].map((match) => (match[2] ?? '').trim());
}

/** A line with its code spans blanked out. */
export function withoutCode(text: string): string {
  return text.replace(CODE_SPAN, (span) => ' '.repeat(span.length));
}

/** GitHub's anchor for a heading's text (github-slugger): lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  const visible = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/`/g, '')
    .replace(/\*/g, '')
    .trim();
  return visible
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

export interface Heading {
  level: number;
  text: string;
  anchor: string;
  line: number;
}

/** ATX headings outside code, with GitHub's anchors (repeats get -1, -2, …). */
export function headings(markdown: string): Heading[] {
  const seen = new Map<string, number>();
  const found: Heading[] = [];
  for (const { number, text } of proseLines(markdown)) {
    const match = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/.exec(text);
    if (!match) continue;
    const base = slug(match[2] ?? '');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    found.push({ level: (match[1] ?? '').length, text: match[2] ?? '', anchor: count === 0 ? base : `${base}-${count}`, line: number });
  }
  return found;
}

/** Anchors a link may point at in a file: its headings, and explicit `<a name>`/`id` anchors. */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set(headings(markdown).map((heading) => heading.anchor));
  for (const match of markdown.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(match[1] ?? '');
  return anchors;
}
