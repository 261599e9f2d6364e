import { describe, expect, it } from 'vitest';
import { connectionsFor } from '../src/scenario-run.ts';
import { breaches, fellBehind, SCENARIOS, scaled } from '../src/scenarios.ts';
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

  it('fails a stage that completed less than 90% of its offered rate', () => {
    expect(
      fellBehind([
        { throughput: 95, offeredRate: 100 },
        { throughput: 90, offeredRate: 100 },
      ]),
    ).toEqual([]);
    expect(
      fellBehind([
        { throughput: 100, offeredRate: 100 },
        { throughput: 1200, offeredRate: 2000 },
      ]),
    ).toEqual(['stage 2: completed 1200/s of the 2000/s offered (the system fell behind)']);
  });

  it('opens enough connections for the rate, within bounds', () => {
    expect(connectionsFor(1)).toBe(10);
    expect(connectionsFor(2000)).toBe(100);
    expect(connectionsFor(1_000_000)).toBe(500);
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
    const mix = customerMix(['d1', 'd2']);
    expect(mix.map((request) => request.method)).toEqual(['POST', 'GET', 'GET', 'GET', 'GET', 'GET']);
    const setup = mix[3]?.setupRequest as (request: object, context: object) => { path: string };
    const read = setup({ method: 'GET', path: '/' }, {});
    expect(read.path).toMatch(/^\/api\/deliveries\/d[12]\/details$/);
    expect(mix[5]?.path).toMatch(/^\/api\/owners\/loadtest\/invoice\?year=\d{4}&month=\d{1,2}$/);
    expect(() => customerMix([])).toThrow();
  });
});
