// Calls to the public API through the console's own origin (/api, proxied to the gateway),
// with the bearer token; an error answer becomes an ApiError carrying its problem details.
import type { Problem } from '@dronedelivery/contracts';

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Partial<Problem> | undefined;

  constructor(status: number, problem: Partial<Problem> | undefined) {
    super(problem?.detail ?? problem?.title ?? `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

export interface Api {
  get<T>(path: string): Promise<T>;
  send<T>(method: 'POST' | 'PATCH' | 'DELETE' | 'PUT', path: string, body?: unknown): Promise<T>;
  /** A raw request, for streams. */
  open(path: string, init: RequestInit): Promise<Response>;
}

/** A body as JSON, or nothing when it is not (a proxy's HTML error page, an empty answer). */
function parseJson(text: string): unknown {
  try {
    return text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    return undefined;
  }
}

export function createApi(token: string, onUnauthenticated: () => void): Api {
  const open = (path: string, init: RequestInit) =>
    fetch(path, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) } });
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await open(path, {
      method,
      headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    const parsed = parseJson(text);
    if (!response.ok) {
      if (response.status === 401) onUnauthenticated();
      throw new ApiError(response.status, parsed as Partial<Problem> | undefined);
    }
    return parsed as T;
  }
  return {
    get: (path) => call('GET', path),
    send: (method, path, body) => call(method, path, body),
    open,
  };
}

/** A message for a person from whatever a call threw. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return `${error.problem?.title ?? `HTTP ${error.status}`}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
