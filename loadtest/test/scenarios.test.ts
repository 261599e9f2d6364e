import { describe, expect, it } from 'vitest';
import { breaches, fellBehind, inFlightBound, partsOf, SCENARIOS, type Scenario, scaled } from '../src/scenarios.ts';
import { customerMix, deliveryRequest } from '../src/traffic.ts';

describe('scenarios', () => {
  it('defines smoke, average, stress, spike and soak, each with thresholds', () => {
    expect(Object.keys(SCENARIOS).sort()).toEqual(['average', 'smoke', 'soak', 'spike', 'stress']);
    for (const scenario of Object.values(SCENARIOS)) {
      expect(scenario.stages.length).toBeGreaterThan(0);
      expect(scenario.thresholds.p95Ms).toBeLessThanOrEqual(scenario.thresholds.p99Ms);
    }
  });

  it('stress ramps its arrival rate up; spike goes up tenfold and comes back, and must recover', () => {
    const rates = SCENARIOS.stress?.stages.map((stage) => stage.rate) ?? [];
    expect(rates).toEqual([...rates].sort((a, b) => a - b));
    const spike = SCENARIOS.spike?.stages.map((stage) => stage.rate) ?? [];
    expect(spike[1]).toBe(10 * (spike[0] as number));
    expect(spike.at(-1)).toBe(spike[0]);
    expect(SCENARIOS.spike?.recovery).toBeDefined();
  });

  it('scales rates and sets the soak length', () => {
    const soak = scaled(SCENARIOS.soak as never, 0.5, 5);
    expect(soak.stages).toEqual([{ rate: 150, seconds: 300 }]);
    expect(scaled(SCENARIOS.smoke as never, 0.001).stages[0]?.rate).toBe(1);
  });

  it('reports each breached threshold, and nothing when within them', () => {
    const thresholds = { p95Ms: 100, p99Ms: 250, maxErrorRate: 0.01 };
    expect(breaches({ p95Ms: 50, p99Ms: 100, errorRate: 0 }, thresholds)).toEqual([]);
    expect(breaches({ p95Ms: 150, p99Ms: 300, errorRate: 0.02 }, thresholds)).toEqual([
      'overall: p95 150 ms > 100 ms',
      'overall: p99 300 ms > 250 ms',
      'overall: error rate 2.00% > 1.00%',
    ]);
    expect(breaches({ p95Ms: 1, p99Ms: 1, errorRate: 0.001 }, { ...thresholds, maxErrorRate: 0 })).toHaveLength(1);
  });

  it('fails a stage that sent less than 90% of the requests it offered', () => {
    expect(
      fellBehind([
        { offered: 100, sent: 95, dropped: 5 },
        { offered: 100, sent: 90, dropped: 10 },
      ]),
    ).toEqual([]);
    expect(
      fellBehind([
        { offered: 100, sent: 100, dropped: 0 },
        { offered: 40_000, sent: 24_000, dropped: 16_000 },
      ]),
    ).toEqual(['stage 2: sent 24000 of the 40000 requests offered, 16000 dropped (too many outstanding: the system fell behind)']);
  });

  it('bounds the requests outstanding by the peak rate at the p99 threshold', () => {
    const thresholds = { p95Ms: 250, p99Ms: 500, maxErrorRate: 0 };
    expect(inFlightBound([{ rate: 2000, seconds: 1 }], thresholds)).toBe(1000);
    expect(
      inFlightBound(
        [
          { rate: 20, seconds: 1 },
          { rate: 200, seconds: 1 },
        ],
        thresholds,
      ),
    ).toBe(100);
    expect(inFlightBound([{ rate: 1, seconds: 1 }], { ...thresholds, p95Ms: 1, p99Ms: 1 })).toBe(1);
  });

  it('runs a spike as two parts, the recovery with a bound of its own starting as the spike ends', () => {
    const spike = SCENARIOS.spike as Scenario;
    expect(partsOf(spike)).toEqual([
      { name: 'spike', startSeconds: 0, stages: spike.stages.slice(0, 2), maxInFlight: 2250 },
      { name: 'recovery', startSeconds: 35, stages: spike.stages.slice(2), maxInFlight: 38 },
    ]);
    expect(partsOf(SCENARIOS.stress as Scenario)).toEqual([
      { name: 'stress', startSeconds: 0, stages: SCENARIOS.stress?.stages, maxInFlight: 1000 },
    ]);
  });
});

describe('traffic', () => {
  it('asks for deliveries the gateway accepts: the owner, a fresh package, a future pickup', () => {
    const first = JSON.parse(deliveryRequest('someone'));
    const second = JSON.parse(deliveryRequest('someone'));
    expect(first.ownerId).toBe('someone');
    expect(first.packageInfo.packageId).not.toBe(second.packageInfo.packageId);
    expect(Date.parse(first.pickupTime)).toBeGreaterThanOrEqual(Date.now() - 1000);
  });

  it('mixes one request for a delivery with reads of seeded deliveries and an invoice', () => {
    const mix = customerMix(['d1', 'd2']).map((build) => build());
    expect(mix.map((request) => request.method)).toEqual(['POST', 'GET', 'GET', 'GET', 'GET', 'GET']);
    expect(mix[0]?.path).toBe('/api/deliveryrequests');
    expect(JSON.parse(mix[0]?.body ?? '{}').ownerId).toBe('loadtest');
    expect(mix[0]?.headers).toEqual({ 'content-type': 'application/json' });
    expect(mix[3]?.path).toMatch(/^\/api\/deliveries\/d[12]\/details$/);
    expect(mix[5]?.path).toMatch(/^\/api\/owners\/loadtest\/invoice\?year=\d{4}&month=\d{1,2}$/);
    expect(mix.slice(1).every((request) => request.body === undefined)).toBe(true);
    expect(() => customerMix([])).toThrow();
  });
});
