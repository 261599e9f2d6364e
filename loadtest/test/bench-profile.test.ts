// Summarising a V8 CPU profile: self time per sample, functions reached by several paths
// counted once, idle left out, and code attributed to its package.
import { describe, expect, it } from 'vitest';
import { type CpuProfile, packageOf, shortPath, summariseProfile } from '../bench/profile.ts';

const ROOT = '/repo';
const frame = (functionName: string, url = '', lineNumber = -1) => ({
  functionName,
  url,
  lineNumber,
  columnNumber: lineNumber < 0 ? -1 : 2,
  scriptId: 0,
});
const handler = frame('handler', 'file:///repo/gateway/src/routes.ts', 9);

/** 100 µs before the first sample; then each sample lasts until the next, the last until endTime. */
const PROFILE: CpuProfile = {
  startTime: 0,
  endTime: 6100,
  nodes: [
    { id: 1, callFrame: frame('(root)'), hitCount: 0, children: [2, 3, 4, 5, 8] },
    { id: 2, callFrame: frame('(idle)'), hitCount: 2 },
    { id: 3, callFrame: frame('(program)'), hitCount: 1 },
    { id: 4, callFrame: handler, hitCount: 2, children: [6] },
    { id: 5, callFrame: frame('(garbage collector)'), hitCount: 1 },
    { id: 6, callFrame: frame('parse', 'file:///repo/node_modules/.pnpm/fast-json@1.0.0/node_modules/fast-json/index.js', 0), hitCount: 1 },
    { id: 7, callFrame: handler, hitCount: 1 },
    { id: 8, callFrame: frame('listOnTimeout', 'node:internal/timers', 4), hitCount: 0, children: [7] },
  ],
  samples: [2, 4, 4, 6, 7, 5, 3, 2],
  timeDeltas: [100, 1000, 1000, 1000, 1000, 500, 250, 250],
};

describe('summariseProfile', () => {
  it('ranks functions by self time, one entry per function however it was reached', () => {
    const summary = summariseProfile(PROFILE, { root: ROOT });
    expect(summary.busyMs).toBe(4);
    expect(summary.idleMs).toBe(2);
    expect(summary.samples).toBe(8);
    expect(summary.top).toEqual([
      { functionName: 'handler', location: 'gateway/src/routes.ts:10', package: 'gateway', selfMs: 2.5, selfPercent: 62.5 },
      { functionName: 'parse', location: 'fast-json/index.js:1', package: 'fast-json', selfMs: 1, selfPercent: 25 },
      { functionName: '(program)', location: '', package: '(program: V8 and native code)', selfMs: 0.3, selfPercent: 6.3 },
      { functionName: '(garbage collector)', location: '', package: '(garbage collector)', selfMs: 0.3, selfPercent: 6.3 },
    ]);
    expect(summary.byPackage.map((p) => [p.package, p.selfPercent])).toEqual([
      ['gateway', 62.5],
      ['fast-json', 25],
      ['(program: V8 and native code)', 6.3],
      ['(garbage collector)', 6.3],
    ]);
  });

  it('keeps only the top n', () => {
    expect(summariseProfile(PROFILE, { top: 1 }).top.map((f) => f.functionName)).toEqual(['handler']);
  });

  it('spreads the duration over hit counts when there is no sample list', () => {
    const { samples: _samples, timeDeltas: _deltas, ...counted } = PROFILE;
    const summary = summariseProfile({ ...counted, startTime: 0, endTime: 8000 }, { root: ROOT });
    // 8 hits over 8 ms: 1 ms each; idle had 2.
    expect(summary.idleMs).toBe(2);
    expect(summary.busyMs).toBe(6);
    expect(summary.top[0]).toMatchObject({ functionName: 'handler', selfMs: 3 });
  });

  it('names anonymous functions', () => {
    const summary = summariseProfile({
      startTime: 0,
      endTime: 10,
      nodes: [
        { id: 1, callFrame: frame('(root)'), children: [2] },
        { id: 2, callFrame: frame('', 'node:events', 10) },
      ],
      samples: [2],
      timeDeltas: [0],
    });
    expect(summary.top[0]).toMatchObject({ functionName: '(anonymous)', location: 'node:events:11', package: 'node built-ins' });
  });
});

describe('where code belongs', () => {
  it('attributes npm packages (scoped or not), node built-ins, the repository and V8', () => {
    expect(
      packageOf(
        { functionName: 'f', url: 'file:///repo/node_modules/.pnpm/@fastify+otel@0.21.2/node_modules/@fastify/otel/index.js' },
        ROOT,
      ),
    ).toBe('@fastify/otel');
    expect(packageOf({ functionName: 'f', url: 'file:///repo/node_modules/.pnpm/jose@6/node_modules/jose/dist/a.js' }, ROOT)).toBe('jose');
    expect(packageOf({ functionName: 'f', url: 'node:internal/http/server' }, ROOT)).toBe('node built-ins');
    expect(packageOf({ functionName: 'f', url: 'file:///repo/packages/service-kit/src/server.ts' }, ROOT)).toBe('packages/service-kit');
    expect(packageOf({ functionName: 'f', url: 'file:///repo/services/ingestion/src/app.ts' }, ROOT)).toBe('services/ingestion');
    expect(packageOf({ functionName: 'f', url: 'file:///repo/gateway/src/auth.ts' }, ROOT)).toBe('gateway');
    expect(packageOf({ functionName: 'f', url: 'file:///elsewhere/x.js' }, ROOT)).toBe('other');
    expect(packageOf({ functionName: 'JSON.parse', url: '' }, ROOT)).toBe('(native)');
    expect(packageOf({ functionName: '(garbage collector)', url: '' }, ROOT)).toBe('(garbage collector)');
  });

  it('shortens paths to inside node_modules or the repository', () => {
    expect(shortPath('file:///repo/node_modules/.pnpm/a@1/node_modules/a/lib/b.js', ROOT)).toBe('a/lib/b.js');
    expect(shortPath('file:///repo/gateway/src/app.ts', ROOT)).toBe('gateway/src/app.ts');
    expect(shortPath('file:///repository-next-door/x.ts', ROOT)).toBe('/repository-next-door/x.ts');
    expect(shortPath('node:internal/streams/writable', ROOT)).toBe('node:internal/streams/writable');
  });
});
