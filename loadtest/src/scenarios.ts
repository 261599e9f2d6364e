// The load scenarios and their pass/fail thresholds. Each is a list of stages at a fixed
// offered rate, so a ramp is a staircase of short stages. The rate is an arrival rate (an
// open model, in `pnpm loadtest` as in the k6 scripts): requests keep arriving at it however
// slow the answers, up to a bound on requests outstanding; a stage that cannot send
// MIN_ACHIEVED_SHARE of its requests within that bound fails, whatever its latency.
// LOADTEST_SCALE multiplies every rate, so one definition serves a laptop and a cluster.
export interface Stage {
  /** Requests per second offered during the stage. */
  rate: number;
  seconds: number;
}

export interface Thresholds {
  p95Ms: number;
  p99Ms: number;
  /** Largest share of requests that may fail their check or get no response. */
  maxErrorRate: number;
}

export interface Scenario {
  name: string;
  description: string;
  stages: Stage[];
  thresholds: Thresholds;
  /** For a spike: thresholds the last stage alone must meet, to show the system recovered. */
  recovery?: Thresholds;
  /** Its one stage's length can be set in minutes (LOADTEST_SOAK_MINUTES; SOAK_MINUTES for its k6 script). */
  adjustableLength?: boolean;
}

const steady: Thresholds = { p95Ms: 100, p99Ms: 250, maxErrorRate: 0.01 };

export const SCENARIOS: Record<string, Scenario> = {
  smoke: {
    name: 'smoke',
    description: 'A trickle through every route: does the system work at all? CI runs this one.',
    stages: [{ rate: 20, seconds: 30 }],
    thresholds: { p95Ms: 100, p99Ms: 250, maxErrorRate: 0 },
  },
  average: {
    name: 'average',
    description: 'The expected everyday load, after a short ramp.',
    stages: [
      { rate: 100, seconds: 15 },
      { rate: 300, seconds: 60 },
    ],
    thresholds: steady,
  },
  stress: {
    name: 'stress',
    description: 'Ramping arrival rate past the everyday load, to see where latency gives way.',
    stages: [200, 400, 800, 1200, 1600, 2000].map((rate) => ({ rate, seconds: 20 })),
    thresholds: { p95Ms: 250, p99Ms: 500, maxErrorRate: 0.02 },
  },
  spike: {
    name: 'spike',
    description: 'A sudden burst at ten times the base rate, then back: no errors, and latency recovers.',
    stages: [
      { rate: 150, seconds: 20 },
      { rate: 1500, seconds: 15 },
      { rate: 150, seconds: 30 },
    ],
    thresholds: { p95Ms: 500, p99Ms: 1500, maxErrorRate: 0.01 },
    recovery: steady,
  },
  soak: {
    name: 'soak',
    description: 'The everyday load held for a long time (LOADTEST_SOAK_MINUTES, 30 by default): leaks, drift, retention.',
    stages: [{ rate: 300, seconds: 30 * 60 }],
    thresholds: steady,
    adjustableLength: true,
  },
};

/** A scenario with its rates multiplied by `scale` (at least 1 request/s) and, where adjustable (the soak), its length set. */
export function scaled(scenario: Scenario, scale: number, soakMinutes?: number): Scenario {
  return {
    ...scenario,
    stages: scenario.stages.map((stage) => ({
      rate: Math.max(1, Math.round(stage.rate * scale)),
      seconds: scenario.adjustableLength && soakMinutes ? soakMinutes * 60 : stage.seconds,
    })),
  };
}

/** A stage must send at least this share of the requests it offers (the rest were dropped). */
export const MIN_ACHIEVED_SHARE = 0.9;

/**
 * How many requests may be outstanding at once while `stages` run: the peak rate held if the
 * average request took the p99 threshold. Beyond that the run fails anyway, so a request due
 * then is dropped and counted. The k6 scripts' maxVUs, which they compute the same way.
 */
export function inFlightBound(stages: readonly Stage[], thresholds: Thresholds): number {
  const peak = Math.max(...stages.map((stage) => stage.rate));
  return Math.max(1, Math.ceil((peak * thresholds.p99Ms) / 1000));
}

/** Stages that share one bound on requests outstanding, from `startSeconds` into the run (a k6 scenario of the script). */
export interface Part {
  name: string;
  startSeconds: number;
  stages: Stage[];
  maxInFlight: number;
}

/**
 * The scenario as it runs, in `pnpm loadtest` as in its k6 script: one part, or for a scenario
 * with recovery thresholds the last stage as a part of its own (`recovery`), with its own bound,
 * starting as the one before ends while that one's last requests are still outstanding.
 */
export function partsOf(scenario: Scenario): Part[] {
  const recovery = scenario.recovery && scenario.stages.length > 1 ? scenario.recovery : undefined;
  if (!recovery)
    return [
      { name: scenario.name, startSeconds: 0, stages: scenario.stages, maxInFlight: inFlightBound(scenario.stages, scenario.thresholds) },
    ];
  const main = scenario.stages.slice(0, -1);
  const last = scenario.stages.slice(-1);
  return [
    { name: scenario.name, startSeconds: 0, stages: main, maxInFlight: inFlightBound(main, scenario.thresholds) },
    {
      name: 'recovery',
      startSeconds: main.reduce((sum, stage) => sum + stage.seconds, 0),
      stages: last,
      maxInFlight: inFlightBound(last, recovery),
    },
  ];
}

export interface Measured {
  p95Ms: number;
  p99Ms: number;
  errorRate: number;
}

/** The latency thresholds `measured` went over, in words. */
export function latencyBreaches(measured: Measured, thresholds: Thresholds, label = 'overall'): string[] {
  const problems: string[] = [];
  if (measured.p95Ms > thresholds.p95Ms) problems.push(`${label}: p95 ${measured.p95Ms} ms > ${thresholds.p95Ms} ms`);
  if (measured.p99Ms > thresholds.p99Ms) problems.push(`${label}: p99 ${measured.p99Ms} ms > ${thresholds.p99Ms} ms`);
  return problems;
}

/** The error-rate threshold, if `measured` went over it, in words. */
export function errorBreaches(measured: Measured, thresholds: Thresholds, label = 'overall'): string[] {
  return measured.errorRate > thresholds.maxErrorRate
    ? [`${label}: error rate ${(measured.errorRate * 100).toFixed(2)}% > ${(thresholds.maxErrorRate * 100).toFixed(2)}%`]
    : [];
}

/** Which thresholds a result breaks, in words; empty when it passes. */
export function breaches(measured: Measured, thresholds: Thresholds, label = 'overall'): string[] {
  return [...latencyBreaches(measured, thresholds, label), ...errorBreaches(measured, thresholds, label)];
}

/**
 * What fails a run: `all` thresholds (a deployment judged against its targets), or only
 * `errors` (a shared or busy machine, where latency and achieved rate say more about the
 * machine than the system: they are reported, not gated).
 */
export type Gate = 'all' | 'errors';

export function gateFrom(value: string | undefined): Gate {
  if (value === undefined || value === '' || value === 'all') return 'all';
  if (value === 'errors') return 'errors';
  throw new Error(`LOADTEST_GATE must be "all" or "errors", not "${value}"`);
}

/** The stages that sent less than MIN_ACHIEVED_SHARE of the requests they offered, in words. */
export function fellBehind(stages: { offered: number; sent: number; dropped: number }[]): string[] {
  return stages.flatMap((stage, index) =>
    stage.sent < MIN_ACHIEVED_SHARE * stage.offered
      ? [
          `stage ${index + 1}: sent ${stage.sent} of the ${stage.offered} requests offered, ${stage.dropped} dropped (too many outstanding: the system fell behind)`,
        ]
      : [],
  );
}
