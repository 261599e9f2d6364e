// The step load's decisions without load: when a step fails, the rate ladder and the
// bisection, which rate is the capacity (retries included), and how a CPU budget is planned.
import { describe, expect, it } from 'vitest';
import { planBudget } from '../capacity/cpu-budget.ts';
import { bisectRate, capacityOf, connectionsFor, disturbed, judge, nextRate, warmupRate } from '../capacity/step-load.ts';

const criteria = { sloP95Ms: 50, maxErrorRate: 0.01, minThroughputRatio: 0.9 };
const result = (overrides: Partial<Parameters<typeof judge>[0]> = {}) => ({
  offeredRps: 1000,
  throughputRps: 995,
  errorRate: 0,
  p95Ms: 12,
  requests: 9950,
  ...overrides,
});

describe('judge', () => {
  it('passes a step within the SLO, the error budget and 90% of the offered rate', () => {
    expect(judge(result(), criteria)).toEqual([]);
    expect(judge(result({ p95Ms: 50, errorRate: 0.01, throughputRps: 900 }), criteria)).toEqual([]);
  });

  it('names every reason a step fails', () => {
    expect(judge(result({ p95Ms: 50.5 }), criteria)).toEqual(['p95 50.5 ms > SLO 50 ms']);
    expect(judge(result({ errorRate: 0.02 }), criteria)).toEqual(['errors 2.00% > 1.00%']);
    expect(judge(result({ throughputRps: 899 }), criteria)).toEqual(['throughput 899/s is 90% of the offered 1000/s']);
    expect(judge(result({ p95Ms: 80, errorRate: 0.5, throughputRps: 400 }), criteria)).toHaveLength(3);
    expect(judge(result({ requests: 0 }), criteria)).toEqual(['no request completed']);
  });
});

describe('the ladder', () => {
  it('multiplies the rate by the factor, rounded to 10/s, and always climbs', () => {
    expect(nextRate(200, 1.4)).toBe(280);
    expect(nextRate(280, 1.4)).toBe(390);
    expect(nextRate(10, 1.01)).toBe(20);
  });

  it('bisects on a log scale, and gives up when the rates are too close', () => {
    expect(bisectRate(1000, 1400)).toBe(1180);
    expect(bisectRate(1000, 1010)).toBeUndefined();
  });

  it('warms up at four times the first rate', () => {
    expect(warmupRate(200)).toBe(800);
  });

  it('bounds outstanding requests at a quarter of a second of arrivals, and at least 20', () => {
    expect(connectionsFor(40)).toBe(20);
    expect(connectionsFor(200)).toBe(50);
    expect(connectionsFor(3000)).toBe(750);
  });
});

describe('capacityOf', () => {
  const step = (offeredRps: number, passed: boolean) => ({ offeredRps, passed });

  it('is the highest passing rate below the first failing one', () => {
    expect(capacityOf([step(200, true), step(280, true), step(390, false), step(330, true)])).toBe(330);
    expect(capacityOf([step(200, true), step(280, true), step(390, false), step(330, false)])).toBe(280);
  });

  it('ignores a pass above a failure, and is 0 when nothing passed', () => {
    expect(capacityOf([step(200, true), step(280, false), step(390, true)])).toBe(200);
    expect(capacityOf([step(200, false)])).toBe(0);
    expect(capacityOf([])).toBe(0);
  });

  it('counts a step measured again by its last attempt', () => {
    expect(capacityOf([step(200, true), step(280, false), step(280, true), step(390, false)])).toBe(280);
  });

  it('is the top of the ladder when nothing failed', () => {
    expect(capacityOf([step(200, true), step(280, true)])).toBe(280);
  });
});

describe('disturbed', () => {
  it('is true when other work took more than the threshold on either side', () => {
    expect(disturbed({ foreignMillicores: { serviceCores: 20, otherCores: 40 } }, 150)).toBe(false);
    expect(disturbed({ foreignMillicores: { serviceCores: 400, otherCores: 0 } }, 150)).toBe(true);
    expect(disturbed({ foreignMillicores: { serviceCores: 0, otherCores: 151 } }, 150)).toBe(true);
  });
});

describe('planBudget', () => {
  it('gives one whole core to 1000m, the highest-numbered, and the rest to everything else', () => {
    expect(planBudget(1000, 2)).toMatchObject({ serviceCores: [1], otherCores: [0], quotaMicros: undefined, warnings: [] });
    expect(planBudget(2000, 4)).toMatchObject({ serviceCores: [2, 3], otherCores: [0, 1], quotaMicros: undefined });
  });

  it('adds a CFS quota for a fraction of a core', () => {
    expect(planBudget(500, 2)).toMatchObject({ serviceCores: [1], quotaMicros: 50_000, periodMicros: 100_000 });
    expect(planBudget(1500, 4)).toMatchObject({ serviceCores: [2, 3], quotaMicros: 150_000 });
  });

  it('warns when the budget leaves no core for the load generator', () => {
    const plan = planBudget(2000, 2);
    expect(plan.otherCores).toEqual([0, 1]);
    expect(plan.warnings.join('\n')).toMatch(/no core is left/);
    expect(planBudget(3000, 2).warnings.join('\n')).toMatch(/asks for 3 cores/);
    expect(() => planBudget(0, 2)).toThrow(/must be positive/);
  });
});
