// Latency (p50, p95, p99) against offered rate as a hand-written SVG: a log latency axis,
// the SLO as a horizontal line, the capacity as a vertical one, passing steps filled and
// failing ones hollow (a rate measured again: its last attempt). Pure; no dependency.

export interface ChartPoint {
  offeredRps: number;
  p50: number;
  p95: number;
  p99: number;
  passed: boolean;
}

export interface ChartInput {
  title: string;
  points: ChartPoint[];
  sloP95Ms: number;
  capacityRps: number;
}

const WIDTH = 760;
const HEIGHT = 440;
const MARGIN = { left: 70, right: 150, top: 46, bottom: 56 };
const SERIES = [
  { key: 'p50', label: 'p50', color: '#1f77b4' },
  { key: 'p95', label: 'p95', color: '#d62728' },
  { key: 'p99', label: 'p99', color: '#9467bd' },
] as const;

export function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

/** Round tick spacing (1, 2 or 5 × 10^k) giving about `count` ticks up to `max`. */
export function niceStep(max: number, count = 8): number {
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const multiple = [1, 2, 5, 10].find((m) => m * power >= raw) ?? 10;
  return multiple * power;
}

const fixed = (value: number) => Number(value.toFixed(1));

export function latencyChartSvg(input: ChartInput): string {
  const lastAttempts = new Map(input.points.map((point) => [point.offeredRps, point]));
  const points = [...lastAttempts.values()].sort((a, b) => a.offeredRps - b.offeredRps);
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const xStep = niceStep(Math.max(input.capacityRps, ...points.map((p) => p.offeredRps), 1));
  const xMax = Math.ceil((Math.max(input.capacityRps, ...points.map((p) => p.offeredRps), 1) * 1.04) / xStep) * xStep;
  const latencies = points.flatMap((p) => [p.p50, p.p95, p.p99]).filter((v) => v > 0);
  const yMinExp = Math.floor(Math.log10(Math.min(input.sloP95Ms, ...latencies)));
  const yMaxExp = Math.max(yMinExp + 1, Math.ceil(Math.log10(Math.max(input.sloP95Ms * 1.5, ...latencies))));
  const x = (rps: number) => fixed(MARGIN.left + (rps / xMax) * plotWidth);
  const y = (ms: number) =>
    fixed(MARGIN.top + plotHeight - ((Math.log10(Math.max(ms, 10 ** yMinExp)) - yMinExp) / (yMaxExp - yMinExp)) * plotHeight);
  const bottom = MARGIN.top + plotHeight;
  const right = MARGIN.left + plotWidth;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(input.title)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${MARGIN.left}" y="24" font-size="15" font-weight="bold">${escapeXml(input.title)}</text>`,
  ];
  // Grid and axes.
  for (let tick = 0; tick <= xMax; tick += xStep) {
    parts.push(`<line class="grid" x1="${x(tick)}" y1="${MARGIN.top}" x2="${x(tick)}" y2="${bottom}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${x(tick)}" y="${bottom + 18}" text-anchor="middle">${tick}</text>`);
  }
  for (let exponent = yMinExp; exponent <= yMaxExp; exponent += 1) {
    for (const multiple of [1, 2, 5]) {
      const value = multiple * 10 ** exponent;
      if (value > 10 ** yMaxExp) break;
      parts.push(`<line class="grid" x1="${MARGIN.left}" y1="${y(value)}" x2="${right}" y2="${y(value)}" stroke="#e5e5e5"/>`);
      parts.push(`<text x="${MARGIN.left - 6}" y="${y(value) + 4}" text-anchor="end">${Number(value.toPrecision(3))}</text>`);
    }
  }
  parts.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#333333"/>`);
  parts.push(`<text x="${MARGIN.left + plotWidth / 2}" y="${HEIGHT - 14}" text-anchor="middle">offered rate (requests/s)</text>`);
  parts.push(
    `<text x="18" y="${MARGIN.top + plotHeight / 2}" text-anchor="middle" transform="rotate(-90 18 ${MARGIN.top + plotHeight / 2})">latency (ms, log scale)</text>`,
  );
  // SLO and capacity.
  parts.push(
    `<line class="slo" x1="${MARGIN.left}" y1="${y(input.sloP95Ms)}" x2="${right}" y2="${y(input.sloP95Ms)}" stroke="#d62728" stroke-width="1.5" stroke-dasharray="6 4"/>`,
  );
  parts.push(`<text x="${MARGIN.left + 6}" y="${y(input.sloP95Ms) - 6}" fill="#d62728">SLO: p95 ≤ ${input.sloP95Ms} ms</text>`);
  if (input.capacityRps > 0) {
    parts.push(
      `<line class="capacity" x1="${x(input.capacityRps)}" y1="${MARGIN.top}" x2="${x(input.capacityRps)}" y2="${bottom}" stroke="#2ca02c" stroke-width="1.5" stroke-dasharray="6 4"/>`,
    );
    parts.push(`<text x="${x(input.capacityRps) + 4}" y="${MARGIN.top + 14}" fill="#2ca02c">capacity ${input.capacityRps}/s</text>`);
  }
  // Series.
  SERIES.forEach((series, index) => {
    const coordinates = points.map((p) => `${x(p.offeredRps)},${y(p[series.key])}`).join(' ');
    parts.push(`<polyline class="${series.key}" points="${coordinates}" fill="none" stroke="${series.color}" stroke-width="2"/>`);
    for (const p of points) {
      const fill = p.passed ? series.color : '#ffffff';
      parts.push(
        `<circle cx="${x(p.offeredRps)}" cy="${y(p[series.key])}" r="3.5" fill="${fill}" stroke="${series.color}" stroke-width="1.5"/>`,
      );
    }
    const legendY = MARGIN.top + 40 + index * 20;
    parts.push(`<line x1="${right + 8}" y1="${legendY}" x2="${right + 32}" y2="${legendY}" stroke="${series.color}" stroke-width="2"/>`);
    parts.push(`<text x="${right + 38}" y="${legendY + 4}">${series.label}</text>`);
  });
  const noteY = MARGIN.top + 40 + SERIES.length * 20 + 10;
  parts.push(`<text x="${right + 8}" y="${noteY}" font-size="11">filled: step passed</text>`);
  parts.push(`<text x="${right + 8}" y="${noteY + 15}" font-size="11">hollow: step failed</text>`);
  parts.push('</svg>', '');
  return parts.join('\n');
}
