// The latency chart's structure: one polyline per percentile, the SLO and the capacity
// lines where they belong, failing steps hollow, text escaped.
import { describe, expect, it } from 'vitest';
import { latencyChartSvg, niceStep } from '../capacity/chart-svg.ts';

const points = [
  { offeredRps: 200, p50: 1.2, p95: 3.5, p99: 6, passed: true },
  { offeredRps: 1000, p50: 2, p95: 8, p99: 15, passed: true },
  { offeredRps: 400, p50: 1.5, p95: 4, p99: 9, passed: true },
  { offeredRps: 1400, p50: 30, p95: 240, p99: 900, passed: false },
];
const svg = latencyChartSvg({ title: 'ingestion <1000m> & co', points, sloP95Ms: 50, capacityRps: 1000 });
const attribute = (element: string, name: string) => Number(new RegExp(`${name}="([^"]+)"`).exec(element)?.[1]);

describe('latencyChartSvg', () => {
  it('is one SVG document with its title escaped', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('<title>ingestion &lt;1000m&gt; &amp; co</title>');
    expect(svg).not.toContain('<1000m>');
  });

  it('draws p50, p95 and p99 as polylines through every step, in rate order', () => {
    for (const series of ['p50', 'p95', 'p99']) {
      const polyline = new RegExp(`<polyline class="${series}" points="([^"]+)"`).exec(svg);
      expect(polyline).not.toBeNull();
      const xs = (polyline?.[1] ?? '').split(' ').map((pair) => Number(pair.split(',')[0]));
      expect(xs).toHaveLength(points.length);
      expect([...xs].sort((a, b) => a - b)).toEqual(xs);
    }
    expect(svg.match(/<circle /g)).toHaveLength(3 * points.length);
    expect(svg.match(/<circle [^>]*fill="#ffffff"/g)).toHaveLength(3);
  });

  it('draws the SLO as a horizontal line at its latency, with higher latencies above it', () => {
    const slo = /<line class="slo"[^>]*>/.exec(svg)?.[0] ?? '';
    expect(attribute(slo, 'y1')).toBe(attribute(slo, 'y2'));
    expect(svg).toContain('SLO: p95 ≤ 50 ms');
    const p95 = (/<polyline class="p95" points="([^"]+)"/.exec(svg)?.[1] ?? '').split(' ').map((pair) => Number(pair.split(',')[1]));
    expect(p95.at(-1)).toBeLessThan(attribute(slo, 'y1')); // 240 ms: above the line (smaller y)
    expect(p95[0]).toBeGreaterThan(attribute(slo, 'y1'));
  });

  it('marks the capacity with a vertical line between the last passing and the failing step', () => {
    const capacity = /<line class="capacity"[^>]*>/.exec(svg)?.[0] ?? '';
    expect(attribute(capacity, 'x1')).toBe(attribute(capacity, 'x2'));
    expect(svg).toContain('capacity 1000/s');
    const none = latencyChartSvg({ title: 't', points, sloP95Ms: 50, capacityRps: 0 });
    expect(none).not.toContain('class="capacity"');
  });

  it('draws a rate measured more than once by its last attempt', () => {
    const retried = { offeredRps: 1400, p50: 3, p95: 9, p99: 20, passed: true };
    const again = latencyChartSvg({ title: 't', points: [...points, retried], sloP95Ms: 50, capacityRps: 1400 });
    expect(again.match(/<circle /g)).toHaveLength(3 * points.length);
    expect(again).not.toMatch(/<circle [^>]*fill="#ffffff"/);
  });
});

describe('niceStep', () => {
  it('picks 1, 2 or 5 times a power of ten', () => {
    expect(niceStep(1400)).toBe(200);
    expect(niceStep(14_760)).toBe(2000);
    expect(niceStep(90, 6)).toBe(20);
  });
});
