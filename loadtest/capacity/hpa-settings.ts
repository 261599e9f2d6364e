// Turns a measured capacity into HPA settings: per-pod target rate with headroom, CPU
// request at the rate pods will carry, the utilization target that holds them there, N+1
// replicas for the peak, scale-up/scale-down behaviour. Pure; every figure with its arithmetic.

export interface CpuPoint {
  /** Completed requests per second. */
  rps: number;
  millicores: number;
}

export interface ScalingPolicy {
  type: 'Percent' | 'Pods';
  value: number;
  periodSeconds: number;
}

export interface ScalingRules {
  stabilizationWindowSeconds: number;
  selectPolicy: 'Max' | 'Min';
  policies: ScalingPolicy[];
}

export interface HpaInputs {
  /** CPU of the process under test at the rates that passed. */
  cpu: CpuPoint[];
  capacityRps: number;
  peakRps: number;
  budgetMillicores: number;
  /** Highest resident memory seen during the run. */
  peakRssMiB: number;
  /** Share of the capacity a pod is scaled to carry (0.7: 30% for spikes and the HPA's reaction time). */
  targetShare?: number;
  /** Lowest steady traffic, which minReplicas must carry on its own (default 0). */
  baseRps?: number;
}

export interface HpaSettings {
  capacityRps: number;
  perPodTargetRps: number;
  /** The per-pod rate the request is sized for: the target, or less when minReplicas alone carries the peak. */
  sizingRps: number;
  cpuAtSizingMillicores: number;
  cpuAtTargetMillicores: number;
  cpuAtCapacityMillicores: number;
  cpuRequestMillicores: number;
  cpuLimitMillicores: number;
  targetCPUUtilizationPercentage: number;
  minReplicas: number;
  maxReplicas: number;
  memoryRequestMiB: number;
  memoryLimitMiB: number;
  scaleUp: ScalingRules;
  scaleDown: ScalingRules;
  /** Each derived figure with how it was computed, for the report. */
  arithmetic: string[];
  warnings: string[];
}

const roundUp = (value: number, step: number) => Math.ceil(value / step) * step;

/**
 * CPU at `rps`, read off the measured points: linear between neighbours, proportional to the
 * lowest point below it, and extended along the last two points above the highest.
 */
export function interpolateCpu(points: CpuPoint[], rps: number): number {
  const sorted = [...points].filter((point) => point.rps > 0).sort((a, b) => a.rps - b.rps);
  const first = sorted[0];
  if (!first) throw new Error('no CPU measurement to interpolate');
  if (rps <= first.rps) return (first.millicores * rps) / first.rps;
  for (let index = 1; index < sorted.length; index += 1) {
    const low = sorted[index - 1] as CpuPoint;
    const high = sorted[index] as CpuPoint;
    if (rps <= high.rps) return low.millicores + ((high.millicores - low.millicores) * (rps - low.rps)) / (high.rps - low.rps);
  }
  const last = sorted[sorted.length - 1] as CpuPoint;
  const before = sorted[sorted.length - 2];
  if (!before || before.rps === last.rps) return (last.millicores * rps) / last.rps;
  const slope = Math.max(0, (last.millicores - before.millicores) / (last.rps - before.rps));
  return last.millicores + slope * (rps - last.rps);
}

/** How many 15 s periods doubling (or +4 pods, whichever is more) takes from min to max. */
export function scaleUpPeriods(minReplicas: number, maxReplicas: number): number {
  let replicas = minReplicas;
  let periods = 0;
  while (replicas < maxReplicas) {
    replicas = Math.min(maxReplicas, Math.max(replicas * 2, replicas + 4));
    periods += 1;
  }
  return periods;
}

export function deriveHpaSettings(inputs: HpaInputs): HpaSettings {
  const { capacityRps, peakRps, budgetMillicores } = inputs;
  const targetShare = inputs.targetShare ?? 0.7;
  const baseRps = inputs.baseRps ?? 0;
  if (!(capacityRps > 0))
    throw new Error('no step passed the SLO, so there is no capacity to scale on: lower --start-rps or check the service');
  if (!(peakRps > 0)) throw new Error(`the peak rate must be positive, not ${peakRps}`);
  if (!(targetShare > 0 && targetShare <= 1)) throw new Error(`the target share must be in (0, 1], not ${targetShare}`);
  const arithmetic: string[] = [];
  const warnings: string[] = [];

  // The epsilon keeps 0.7 × 11000 (7699.999…) at 7700.
  const perPodTargetRps = Math.max(1, Math.floor(targetShare * capacityRps + 1e-9));
  arithmetic.push(`per-pod target rate = floor(${targetShare} × capacity ${capacityRps}/s) = ${perPodTargetRps}/s`);

  const minReplicas = Math.max(2, Math.ceil(baseRps / perPodTargetRps));
  arithmetic.push(
    baseRps > 0
      ? `minReplicas = max(2, ceil(base ${baseRps}/s / ${perPodTargetRps}/s)) = ${minReplicas}`
      : 'minReplicas = 2 (two pods for availability: a PDB, a rollout or a lost node leaves one serving)',
  );

  const forPeak = Math.ceil(peakRps / perPodTargetRps);
  const maxReplicas = Math.max(minReplicas, forPeak + 1);
  arithmetic.push(
    `maxReplicas = ceil(peak ${peakRps}/s / ${perPodTargetRps}/s) + 1 = ${forPeak} + 1 = ${forPeak + 1}${maxReplicas > forPeak + 1 ? `, raised to minReplicas ${maxReplicas}` : ''} (N+1: the peak still fits with one pod lost)`,
  );

  // The rate a pod is sized for: the target, unless minReplicas alone carries the peak, in
  // which case no pod ever gets near the target and reserving CPU for it would be waste.
  const minCarriesPeak = forPeak <= minReplicas;
  const sizingRps = minCarriesPeak ? Math.ceil(peakRps / minReplicas) : perPodTargetRps;
  const cpuAtTarget = Math.max(1, Math.round(interpolateCpu(inputs.cpu, perPodTargetRps)));
  const cpuAtSizing = Math.max(1, Math.round(interpolateCpu(inputs.cpu, sizingRps)));
  const cpuAtCapacity = Math.round(interpolateCpu(inputs.cpu, capacityRps));
  arithmetic.push(
    `CPU (interpolated between the measured steps) at the target ${perPodTargetRps}/s = ${cpuAtTarget}m; at the capacity ${capacityRps}/s = ${cpuAtCapacity}m`,
  );
  if (minCarriesPeak)
    arithmetic.push(
      `minReplicas ${minReplicas} carry the peak at ${sizingRps}/s each (≤ the target), so pods are sized for that rate: CPU at ${sizingRps}/s = ${cpuAtSizing}m`,
    );

  const cpuLimit = budgetMillicores;
  const cpuRequest = Math.min(cpuLimit, Math.max(50, roundUp(cpuAtSizing, 50)));
  arithmetic.push(
    `CPU request = CPU at ${sizingRps}/s, ${cpuAtSizing}m, rounded up to 50m = ${cpuRequest}m; limit = the budget = ${cpuLimit}m`,
  );

  const utilization = Math.min(100, Math.max(1, Math.floor((100 * cpuAtSizing) / cpuRequest)));
  arithmetic.push(
    `targetCPUUtilizationPercentage = floor(100 × ${cpuAtSizing}m / ${cpuRequest}m) = ${utilization}%: the HPA adds pods once a pod's CPU passes ${Math.round((utilization / 100) * cpuRequest)}m (+10% tolerance), i.e. about ${sizingRps}/s`,
  );
  if (cpuAtSizing > cpuRequest) warnings.push(`the CPU at ${sizingRps}/s (${cpuAtSizing}m) exceeds the budget (${cpuLimit}m)`);
  if (capacityRps * minReplicas >= peakRps)
    arithmetic.push(
      `(minReplicas × capacity = ${minReplicas * capacityRps}/s covers the peak of ${peakRps}/s: scaling out is for traffic beyond the plan)`,
    );

  const peakRssMiB = Math.max(0, inputs.peakRssMiB);
  const memoryRequestMiB = Math.max(128, roundUp(peakRssMiB * 1.25, 32));
  const memoryLimitMiB = Math.max(256, roundUp(peakRssMiB * 2, 32), memoryRequestMiB);
  arithmetic.push(
    `memory request = max(128Mi, peak RSS ${peakRssMiB}Mi × 1.25 rounded up to 32Mi) = ${memoryRequestMiB}Mi; limit = max(256Mi, peak RSS × 2 rounded up to 32Mi) = ${memoryLimitMiB}Mi (RSS measured with no memory limit, where V8 lets its heap grow: an upper bound)`,
  );

  if (cpuAtCapacity < 0.8 * budgetMillicores)
    warnings.push(
      `at its capacity the service used ${cpuAtCapacity}m of its ${budgetMillicores}m budget: it was limited by something other than CPU (latency of a dependency, the load generator), so CPU utilization understates its load; confirm with the verify step or scale on a request-rate metric`,
    );

  const scaleUp: ScalingRules = {
    stabilizationWindowSeconds: 0,
    selectPolicy: 'Max',
    policies: [
      { type: 'Percent', value: 100, periodSeconds: 15 },
      { type: 'Pods', value: 4, periodSeconds: 15 },
    ],
  };
  const scaleDown: ScalingRules = {
    stabilizationWindowSeconds: 300,
    selectPolicy: 'Min',
    policies: [{ type: 'Percent', value: 25, periodSeconds: 60 }],
  };
  const periods = scaleUpPeriods(minReplicas, maxReplicas);
  arithmetic.push(
    minReplicas === maxReplicas
      ? `scale-up: no stabilization, double or add 4 pods (whichever is more) every 15 s; with minReplicas = maxReplicas = ${minReplicas} the HPA keeps ${minReplicas} pods, each able to carry ${(capacityRps / (peakRps / minReplicas)).toFixed(1)}× its share of the peak`
      : `scale-up: no stabilization, double or add 4 pods (whichever is more) every 15 s: ${minReplicas} → ${maxReplicas} pods in ${periods} step${periods === 1 ? '' : 's'} (≈ ${periods * 15} s plus pod start-up)`,
  );
  arithmetic.push('scale-down: after 300 s of lower demand, at most 25% of the pods a minute');

  return {
    capacityRps,
    perPodTargetRps,
    sizingRps,
    cpuAtSizingMillicores: cpuAtSizing,
    cpuAtTargetMillicores: cpuAtTarget,
    cpuAtCapacityMillicores: cpuAtCapacity,
    cpuRequestMillicores: cpuRequest,
    cpuLimitMillicores: cpuLimit,
    targetCPUUtilizationPercentage: utilization,
    minReplicas,
    maxReplicas,
    memoryRequestMiB,
    memoryLimitMiB,
    scaleUp,
    scaleDown,
    arithmetic,
    warnings,
  };
}
