// Liveness, readiness and startup probes with distinct meanings:
//  - live:    the process answers (no dependency is consulted: restarting would not fix one);
//  - startup: start-up finished (adapters connected, server listening);
//  - ready:   started, not draining, and every registered dependency check passes.
// Checks run with a timeout and their results are cached briefly so probes stay cheap.

export interface DependencyCheck {
  name: string;
  /** Resolves when the dependency is usable; rejects (or times out) otherwise. */
  check: (signal: AbortSignal) => Promise<unknown>;
  timeoutMs?: number;
  /** How long a result is reused before the check runs again. */
  cacheMs?: number;
}

export interface CheckResult {
  status: 'up' | 'down';
  durationMs: number;
  error?: string;
}

export interface ReadinessReport {
  ready: boolean;
  state: 'starting' | 'serving' | 'draining';
  checks: Record<string, CheckResult>;
}

interface CachedCheck extends Required<DependencyCheck> {
  result?: CheckResult;
  checkedAt: number;
  running?: Promise<CheckResult>;
}

export class Health {
  private readonly checks = new Map<string, CachedCheck>();
  private readonly livenessChecks = new Map<string, CachedCheck>();
  private state: ReadinessReport['state'] = 'starting';

  addCheck(check: DependencyCheck): void {
    if (this.checks.has(check.name)) throw new Error(`Health check "${check.name}" is already registered`);
    this.checks.set(check.name, { timeoutMs: 2_000, cacheMs: 1_000, ...check, checkedAt: 0 });
  }

  /**
   * A check that the process itself is not wedged (say, a consumer loop that stopped making
   * progress). Failing it fails liveness, and the pod is restarted: never add dependencies here.
   */
  addLivenessCheck(check: DependencyCheck): void {
    if (this.livenessChecks.has(check.name)) throw new Error(`Liveness check "${check.name}" is already registered`);
    this.livenessChecks.set(check.name, { timeoutMs: 2_000, cacheMs: 1_000, ...check, checkedAt: 0 });
  }

  async liveness(): Promise<{ alive: boolean; checks: Record<string, CheckResult> }> {
    const entries = await Promise.all([...this.livenessChecks.values()].map(async (c) => [c.name, await this.run(c)] as const));
    return { alive: entries.every(([, r]) => r.status === 'up'), checks: Object.fromEntries(entries) };
  }

  markStarted(): void {
    if (this.state === 'starting') this.state = 'serving';
  }

  markDraining(): void {
    this.state = 'draining';
  }

  get started(): boolean {
    return this.state !== 'starting';
  }

  get draining(): boolean {
    return this.state === 'draining';
  }

  async readiness(): Promise<ReadinessReport> {
    const entries = await Promise.all([...this.checks.values()].map(async (c) => [c.name, await this.run(c)] as const));
    const checks = Object.fromEntries(entries);
    const allUp = entries.every(([, r]) => r.status === 'up');
    return { ready: this.state === 'serving' && allUp, state: this.state, checks };
  }

  private run(c: CachedCheck): Promise<CheckResult> {
    if (c.result && Date.now() - c.checkedAt < c.cacheMs) return Promise.resolve(c.result);
    // Concurrent probes share one execution rather than stampeding the dependency.
    c.running ??= this.execute(c).then((result) => {
      c.result = result;
      c.checkedAt = Date.now();
      c.running = undefined;
      return result;
    });
    return c.running;
  }

  private async execute(c: CachedCheck): Promise<CheckResult> {
    const started = performance.now();
    const signal = AbortSignal.timeout(c.timeoutMs);
    try {
      await Promise.race([
        c.check(signal),
        new Promise((_, reject) => {
          signal.addEventListener('abort', () => reject(new Error(`timed out after ${c.timeoutMs} ms`)), { once: true });
        }),
      ]);
      return { status: 'up', durationMs: Math.round(performance.now() - started) };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { status: 'down', durationMs: Math.round(performance.now() - started), error: message };
    }
  }
}
