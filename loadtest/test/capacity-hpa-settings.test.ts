// From a measured capacity to HPA settings: the interpolation of CPU between steps, the
// arithmetic of request, utilization target and replicas, and the edge cases.
import { describe, expect, it } from 'vitest';
import { deriveHpaSettings, type HpaInputs, interpolateCpu, scaleUpPeriods } from '../capacity/hpa-settings.ts';

const cpu = [
  { rps: 500, millicores: 100 },
  { rps: 1000, millicores: 200 },
  { rps: 2000, millicores: 440 },
];
const inputs = (overrides: Partial<HpaInputs> = {}): HpaInputs => ({
  cpu,
  capacityRps: 2000,
  peakRps: 3000,
  budgetMillicores: 1000,
  peakRssMiB: 90,
  ...overrides,
});

describe('interpolateCpu', () => {
  it('is linear between neighbouring steps, whatever order they come in', () => {
    expect(interpolateCpu([...cpu].reverse(), 1500)).toBe(320);
    expect(interpolateCpu(cpu, 1000)).toBe(200);
  });

  it('is proportional below the lowest step and follows the last two steps above the highest', () => {
    expect(interpolateCpu(cpu, 250)).toBe(50);
    expect(interpolateCpu(cpu, 2500)).toBe(560);
    expect(interpolateCpu([{ rps: 400, millicores: 80 }], 800)).toBe(160);
    expect(
      interpolateCpu(
        [
          { rps: 400, millicores: 80 },
          { rps: 400, millicores: 80 },
        ],
        800,
      ),
    ).toBe(160);
  });

  it('needs at least one measurement', () => {
    expect(() => interpolateCpu([], 100)).toThrow(/no CPU measurement/);
  });
});

describe('deriveHpaSettings', () => {
  it('scales each pod to 70% of the capacity with the CPU there as request and the matching utilization target', () => {
    const settings = deriveHpaSettings(inputs());
    expect(settings.perPodTargetRps).toBe(1400);
    expect(settings.cpuAtTargetMillicores).toBe(296);
    expect(settings.cpuRequestMillicores).toBe(300);
    expect(settings.cpuLimitMillicores).toBe(1000);
    expect(settings.targetCPUUtilizationPercentage).toBe(98);
    // The HPA holds a pod where target% × request = the CPU at the target rate.
    expect((settings.targetCPUUtilizationPercentage / 100) * settings.cpuRequestMillicores).toBeLessThanOrEqual(
      settings.cpuAtTargetMillicores,
    );
    expect(settings.minReplicas).toBe(2);
    expect(settings.maxReplicas).toBe(4); // ceil(3000 / 1400) + 1
    expect(settings.arithmetic.join('\n')).toContain('ceil(peak 3000/s / 1400/s) + 1 = 3 + 1 = 4');
  });

  it('scales up at once and fast, down slowly', () => {
    const { scaleUp, scaleDown } = deriveHpaSettings(inputs());
    expect(scaleUp.stabilizationWindowSeconds).toBe(0);
    expect(scaleUp.policies).toContainEqual({ type: 'Percent', value: 100, periodSeconds: 15 });
    expect(scaleDown.stabilizationWindowSeconds).toBe(300);
    expect(scaleDown.policies).toEqual([{ type: 'Percent', value: 25, periodSeconds: 60 }]);
  });

  it('plans many replicas when one pod carries far less than the peak', () => {
    const settings = deriveHpaSettings(inputs({ capacityRps: 300, cpu: [{ rps: 300, millicores: 950 }] }));
    expect(settings.perPodTargetRps).toBe(210);
    expect(settings.maxReplicas).toBe(Math.ceil(3000 / 210) + 1);
    expect(settings.cpuRequestMillicores).toBe(700); // 665m rounded up to 50m
  });

  it('keeps two replicas and N+1 when one pod alone covers the peak', () => {
    const settings = deriveHpaSettings(inputs({ capacityRps: 20_000, peakRps: 500, cpu: [{ rps: 20_000, millicores: 900 }] }));
    expect(settings.minReplicas).toBe(2);
    expect(settings.maxReplicas).toBe(2);
    expect(settings.arithmetic.join('\n')).toMatch(/covers the peak of 500\/s/);
    expect(settings.arithmetic.join('\n')).toMatch(/the HPA keeps 2 pods, each able to carry 80\.0× its share of the peak/);
  });

  it('sizes the request for the rate pods really carry when minReplicas alone carries the peak', () => {
    const linear = [
      { rps: 1000, millicores: 90 },
      { rps: 5000, millicores: 450 },
      { rps: 11_000, millicores: 990 },
    ];
    const settings = deriveHpaSettings(inputs({ capacityRps: 11_000, cpu: linear }));
    expect(settings.perPodTargetRps).toBe(7700);
    expect(settings.cpuAtTargetMillicores).toBe(693);
    expect(settings.sizingRps).toBe(1500); // 3000/s over 2 pods
    expect(settings.cpuAtSizingMillicores).toBe(135);
    expect(settings).toMatchObject({ cpuRequestMillicores: 150, targetCPUUtilizationPercentage: 90, minReplicas: 2, maxReplicas: 2 });
    // Without that, each pod would reserve 700m to use 135m at the peak.
    expect(deriveHpaSettings(inputs({ capacityRps: 11_000, cpu: linear, peakRps: 20_000 }))).toMatchObject({
      sizingRps: 7700,
      cpuRequestMillicores: 700,
      maxReplicas: 4,
    });
  });

  it('carries the base rate with minReplicas, and never lets maxReplicas fall below it', () => {
    expect(deriveHpaSettings(inputs({ baseRps: 3000 }))).toMatchObject({ minReplicas: 3, maxReplicas: 4, sizingRps: 1000 });
    expect(deriveHpaSettings(inputs({ baseRps: 5000 }))).toMatchObject({ minReplicas: 4, maxReplicas: 4 });
  });

  it('never requests less than 50m nor more than the limit', () => {
    const tiny = deriveHpaSettings(inputs({ cpu: [{ rps: 2000, millicores: 10 }] }));
    expect(tiny.cpuRequestMillicores).toBe(50);
    expect(tiny.targetCPUUtilizationPercentage).toBe(14); // 7m of 50m
    const heavy = deriveHpaSettings(inputs({ budgetMillicores: 500, cpu: [{ rps: 2000, millicores: 800 }] }));
    expect(heavy.cpuRequestMillicores).toBe(500);
    expect(heavy.targetCPUUtilizationPercentage).toBe(100);
    expect(heavy.warnings.join('\n')).toMatch(/exceeds the budget/);
  });

  it('warns when the service was not CPU-bound at its capacity', () => {
    expect(deriveHpaSettings(inputs()).warnings.join('\n')).toMatch(/used 440m of its 1000m budget/);
    expect(deriveHpaSettings(inputs({ cpu: [{ rps: 2000, millicores: 950 }] })).warnings).toEqual([]);
  });

  it('sizes memory from the highest RSS, never below the chart defaults', () => {
    expect(deriveHpaSettings(inputs({ peakRssMiB: 90 }))).toMatchObject({ memoryRequestMiB: 128, memoryLimitMiB: 256 });
    expect(deriveHpaSettings(inputs({ peakRssMiB: 200 }))).toMatchObject({ memoryRequestMiB: 256, memoryLimitMiB: 416 });
  });

  it('refuses a zero capacity (no step passed) and a zero peak', () => {
    expect(() => deriveHpaSettings(inputs({ capacityRps: 0 }))).toThrow(/no step passed/);
    expect(() => deriveHpaSettings(inputs({ peakRps: 0 }))).toThrow(/peak rate must be positive/);
    expect(() => deriveHpaSettings(inputs({ targetShare: 1.5 }))).toThrow(/target share/);
  });
});

describe('scaleUpPeriods', () => {
  it('counts 15 s periods of doubling or +4 pods from min to max', () => {
    expect(scaleUpPeriods(2, 2)).toBe(0);
    expect(scaleUpPeriods(2, 6)).toBe(1);
    expect(scaleUpPeriods(2, 20)).toBe(3); // 2 → 6 → 12 → 20
  });
});
