// Side-by-side versions: a share of the gateway's calls to a service goes to a second
// release of it (the canary, e.g. delivery-v2), the rest to the current one. Set
// <SERVICE>_CANARY_URL and <SERVICE>_CANARY_PERCENT; 0 sends everything back to the current
// release. Each side has its own client, so its latency, errors and circuit show apart in
// the metrics (upstream="delivery" and upstream="delivery-canary").
import type { HttpClient, HttpRequest, HttpResponse } from '@dronedelivery/service-kit';

/** What the routes need of an upstream: one client, or a split between two. */
export interface Upstream {
  readonly upstream: string;
  request<T = unknown>(request: HttpRequest): Promise<HttpResponse<T>>;
  close(): Promise<void>;
}

export class CanarySplit implements Upstream {
  readonly upstream: string;
  private readonly stable: HttpClient;
  private readonly canary: HttpClient;
  private readonly percent: number;
  private readonly random: () => number;

  /** `random` returns [0, 1), as Math.random does (a test passes its own). */
  constructor(stable: HttpClient, canary: HttpClient, percent: number, random: () => number = Math.random) {
    this.upstream = stable.upstream;
    this.stable = stable;
    this.canary = canary;
    this.percent = percent;
    this.random = random;
  }

  request<T = unknown>(request: HttpRequest): Promise<HttpResponse<T>> {
    return (this.random() * 100 < this.percent ? this.canary : this.stable).request<T>(request);
  }

  async close(): Promise<void> {
    await Promise.all([this.stable.close(), this.canary.close()]);
  }
}
