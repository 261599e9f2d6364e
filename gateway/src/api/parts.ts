// The non-essential parts of an assembled view: each has its own budget (and its upstream's
// own breaker); a part that fails or runs out of time is left out as null with a warning
// naming it, and an answer that means "nothing" (404) is a null part, not a failure.
import type { Call } from '@dronedelivery/contracts';
import type { Upstream } from '../canary.ts';
import { call } from '../upstreams.ts';

export type Part<T> = { value: T | null } | { warning: string };

export interface Parts {
  read<T>(name: string, client: Upstream, upstreamCall: Call<T>, absent?: number[]): Promise<Part<T>>;
  value<T>(part: Part<T>): T | null;
  warnings(...parts: Part<unknown>[]): string[];
}

export function partsWithin(timeoutMs: number, headers: Record<string, string>): Parts {
  return {
    async read<T>(name: string, client: Upstream, upstreamCall: Call<T>, absent: number[] = [404]): Promise<Part<T>> {
      try {
        const response = await call(client, upstreamCall, { headers, signal: AbortSignal.timeout(timeoutMs) });
        if (response.status === 200) return { value: response.body };
        if (absent.includes(response.status)) return { value: null };
        return { warning: `${name}: the ${client.upstream} service answered ${response.status}` };
      } catch (error) {
        return { warning: `${name}: ${(error as Error).message}` };
      }
    },
    value: <T>(part: Part<T>): T | null => ('value' in part ? part.value : null),
    warnings: (...parts: Part<unknown>[]) => parts.flatMap((part) => ('warning' in part ? [part.warning] : [])),
  };
}
