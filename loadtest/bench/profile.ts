// Where the time goes: a V8 .cpuprofile (node --cpu-prof) summarised as the functions with
// the most self time, and self time by package (fastify, jose, node built-ins, our code...).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
  scriptId?: string | number;
}

export interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}

/** The JSON of a .cpuprofile file; times in microseconds. */
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface HotFunction {
  functionName: string;
  /** Shortened: a path inside node_modules or the repository, or node:..., with its line. */
  location: string;
  package: string;
  selfMs: number;
  /** Of the busy (non-idle) sampled time. */
  selfPercent: number;
}

export interface ProfileSummary {
  /** Sampled time the process was busy, and idle, in ms. */
  busyMs: number;
  idleMs: number;
  samples: number;
  top: HotFunction[];
  byPackage: { package: string; selfMs: number; selfPercent: number }[];
}

const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Self time of each node in µs: each sample lasts until the next one (as DevTools counts it). */
function selfTimes(profile: CpuProfile): Map<number, number> {
  const self = new Map<number, number>();
  const { samples, timeDeltas } = profile;
  if (samples?.length && timeDeltas?.length === samples.length) {
    const stamps: number[] = [];
    let at = profile.startTime;
    for (const delta of timeDeltas) {
      at += delta;
      stamps.push(at);
    }
    samples.forEach((id, i) => {
      const until = i + 1 < samples.length ? (stamps[i + 1] as number) : Math.max(profile.endTime, stamps[i] as number);
      self.set(id, (self.get(id) ?? 0) + Math.max(0, until - (stamps[i] as number)));
    });
    return self;
  }
  // No sample list: spread the profile's duration over the hit counts.
  const hits = profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0);
  const perHit = hits === 0 ? 0 : (profile.endTime - profile.startTime) / hits;
  for (const node of profile.nodes) if (node.hitCount) self.set(node.id, node.hitCount * perHit);
  return self;
}

function sampleCount(profile: CpuProfile): number {
  return profile.samples?.length ?? profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0);
}

const filePath = (url: string) => (url.startsWith('file://') ? decodeURIComponent(url.slice('file://'.length)) : url);
/** `path` relative to `root`, or undefined if it lies outside. */
function under(path: string, root: string): string | undefined {
  if (!root) return undefined;
  const base = root.endsWith('/') ? root : `${root}/`;
  return path.startsWith(base) ? path.slice(base.length) : undefined;
}

/** A file URL or path made short: after the last node_modules/, or relative to `root`. */
export function shortPath(url: string, root = ''): string {
  const path = filePath(url);
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) return path.slice(modules + '/node_modules/'.length);
  return under(path, root) ?? path;
}

/** Who the code belongs to: an npm package, a node built-in, a part of the repository, V8. */
export function packageOf(frame: Pick<CallFrame, 'functionName' | 'url'>, root = ''): string {
  if (frame.functionName === '(garbage collector)') return '(garbage collector)';
  if (frame.functionName === '(program)') return '(program: V8 and native code)';
  if (!frame.url) return '(native)';
  if (frame.url.startsWith('node:')) return 'node built-ins';
  const path = filePath(frame.url);
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const parts = path.slice(modules + '/node_modules/'.length).split('/');
    return (parts[0]?.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
  }
  const inRepo = under(path, root);
  if (inRepo === undefined) return 'other';
  const parts = inRepo.split('/');
  return (parts[0] === 'packages' || parts[0] === 'services' ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

function locationOf(frame: CallFrame, root: string): string {
  if (!frame.url) return '';
  return frame.lineNumber >= 0 ? `${shortPath(frame.url, root)}:${frame.lineNumber + 1}` : shortPath(frame.url, root);
}

/**
 * The `top` functions by self time (the same function reached by different paths counted
 * once), and self time by package. Idle time is left out; percentages are of busy time.
 */
export function summariseProfile(profile: CpuProfile, options: { top?: number; root?: string } = {}): ProfileSummary {
  const root = options.root ?? '';
  const self = selfTimes(profile);
  const functions = new Map<string, { frame: CallFrame; selfUs: number }>();
  let idleUs = 0;
  for (const node of profile.nodes) {
    const us = self.get(node.id) ?? 0;
    const frame = node.callFrame;
    if (frame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    if (us === 0 || frame.functionName === '(root)') continue;
    const key = `${frame.functionName}\u0000${frame.url}\u0000${frame.lineNumber}\u0000${frame.columnNumber}`;
    const entry = functions.get(key) ?? { frame, selfUs: 0 };
    entry.selfUs += us;
    functions.set(key, entry);
  }
  const busyUs = [...functions.values()].reduce((sum, entry) => sum + entry.selfUs, 0);
  const percent = (us: number) => (busyUs === 0 ? 0 : round((us / busyUs) * 100));
  const packages = new Map<string, number>();
  for (const { frame, selfUs } of functions.values()) {
    const name = packageOf(frame, root);
    packages.set(name, (packages.get(name) ?? 0) + selfUs);
  }
  return {
    busyMs: round(busyUs / 1000),
    idleMs: round(idleUs / 1000),
    samples: sampleCount(profile),
    top: [...functions.values()]
      .sort((a, b) => b.selfUs - a.selfUs)
      .slice(0, options.top ?? 15)
      .map(({ frame, selfUs }) => ({
        functionName: frame.functionName || '(anonymous)',
        location: locationOf(frame, root),
        package: packageOf(frame, root),
        selfMs: round(selfUs / 1000),
        selfPercent: percent(selfUs),
      })),
    byPackage: [...packages.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([name, us]) => ({ package: name, selfMs: round(us / 1000), selfPercent: percent(us) })),
  };
}

/** The newest .cpuprofile in a directory (what --cpu-prof-dir received). */
export function readNewestProfile(dir: string): CpuProfile {
  const newest = readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => ({ path: join(dir, name), mtime: statSync(join(dir, name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime)[0];
  if (!newest) throw new Error(`no .cpuprofile was written to ${dir}`);
  return JSON.parse(readFileSync(newest.path, 'utf8')) as CpuProfile;
}
