// The small parsers the bench measures with: a Prometheus counter from /metrics text,
// memory from /proc/<pid>/status, CPU times from /proc/stat, a percentile, the end-to-end bodies.
import { describe, expect, it } from 'vitest';
import { deliveryRequestBody, percentile, sumCounter } from '../bench/end-to-end.ts';
import { foreignBusyPercent, parseCpuTimes, parseProcStat, pssKb, statusKb } from '../bench/measures.ts';

const METRICS = `# HELP workflow_messages_processed_total Messages processed, by type and outcome.
# TYPE workflow_messages_processed_total counter
workflow_messages_processed_total{type="delivery-request",outcome="delivery-scheduled"} 2990
workflow_messages_processed_total{type="delivery-request",outcome="delivery-already-scheduled"} 4
workflow_messages_processed_total{type="reschedule",outcome="delivery-scheduled"} 10
workflow_messages_processed_total_extra{outcome="delivery-scheduled"} 1000
workflow_messages_failed_total{type="delivery-request",kind="transient"} 3
workflow_messages_failed_total{type="delivery-request",kind="permanent"} 1
`;

describe('sumCounter', () => {
  it('sums the samples with the given labels, and no other metric sharing the prefix', () => {
    expect(sumCounter(METRICS, 'workflow_messages_processed_total', ['outcome="delivery-scheduled"'])).toBe(3000);
    expect(sumCounter(METRICS, 'workflow_messages_processed_total')).toBe(3004);
    expect(sumCounter(METRICS, 'workflow_messages_failed_total', ['kind="permanent"'])).toBe(1);
    expect(sumCounter(METRICS, 'absent_total')).toBe(0);
  });

  it('reads a counter without labels', () => {
    expect(sumCounter('up 1\nup_time 5\n', 'up')).toBe(1);
  });
});

describe('statusKb', () => {
  const STATUS = 'Name:\tnode\nVmPeak:\t  900000 kB\nVmRSS:\t   61136 kB\nRssAnon:\t   30000 kB\nRssFile:\t   31136 kB\n';

  it('reads the resident set, and its anonymous part, from a status file', () => {
    expect(statusKb(STATUS, 'VmRSS')).toBe(61136);
    expect(statusKb(STATUS, 'RssAnon')).toBe(30000);
  });

  it('is undefined for a process without one (a zombie)', () => {
    expect(statusKb('Name:\tnode\nState:\tZ (zombie)\n', 'VmRSS')).toBeUndefined();
  });
});

describe('pssKb', () => {
  it('reads the proportional set size from smaps_rollup', () => {
    expect(pssKb('00400000-7ffd [rollup]\nRss:              81234 kB\nPss:              60123 kB\nPss_Anon:  40000 kB\n')).toBe(60123);
    expect(pssKb('Rss: 1 kB\n')).toBeUndefined();
  });
});

describe('parseCpuTimes', () => {
  it('counts idle and iowait as not busy', () => {
    expect(parseCpuTimes('cpu  100 5 50 800 45 0 10 0 0 0\ncpu0 50 2 25 400 20 0 5 0 0 0\n')).toEqual({ busy: 165, total: 1010 });
    expect(parseCpuTimes('nothing here')).toBeUndefined();
  });
});

describe('parseProcStat', () => {
  it('reads pid, parent and CPU ticks, whatever the command name holds', () => {
    const stat = '4242 (node (x) y) S 4200 4242 4200 0 -1 4194560 1000 0 0 0 150 25 0 0 20 0 11 0 100 0 0';
    expect(parseProcStat(stat)).toEqual({ pid: 4242, ppid: 4200, cpuTicks: 175 });
    expect(parseProcStat('garbage')).toBeUndefined();
  });
});

describe('foreignBusyPercent', () => {
  it('is the machine busy time not spent by the bench, as a share of all CPU time', () => {
    expect(
      foreignBusyPercent({ machineBusy: 1000, machineTotal: 5000, ours: 300 }, { machineBusy: 1900, machineTotal: 7000, ours: 1000 }),
    ).toBe(10);
    expect(foreignBusyPercent({ machineBusy: 0, machineTotal: 0, ours: 0 }, { machineBusy: 50, machineTotal: 100, ours: 60 })).toBe(0);
    expect(foreignBusyPercent(undefined, { machineBusy: 1, machineTotal: 2, ours: 0 })).toBeUndefined();
  });
});

describe('percentile', () => {
  it('takes the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBe(0);
  });
});

describe('deliveryRequestBody', () => {
  it('gives every request its own package and a pickup 20 s after the previous one', () => {
    const first = JSON.parse(deliveryRequestBody(0, Date.UTC(2030, 0, 1), 'myowner'));
    const second = JSON.parse(deliveryRequestBody(1, Date.UTC(2030, 0, 1), 'myowner'));
    expect(first.packageInfo.packageId).not.toBe(second.packageInfo.packageId);
    expect(Date.parse(second.pickupTime) - Date.parse(first.pickupTime)).toBe(20_000);
    expect(first).toMatchObject({ ownerId: 'myowner', expedited: true, packageInfo: { size: 'Small' } });
  });
});
