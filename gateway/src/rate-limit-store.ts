// The rate limiter's counters in Redis, shared by every gateway replica: a fixed window per
// caller (INCR, and an expiry set with the first call). A Redis that cannot answer is a
// Failure the limiter passes on: with RATE_LIMIT_ON_STORE_FAILURE=refuse the caller gets
// 503 and Retry-After; with allow (the default) the limiter lets the request through.
import type { RedisClient } from '@dronedelivery/redis';
import { Unavailable } from '@dronedelivery/service-kit';
import type { FastifyRateLimitStore } from '@fastify/rate-limit';

/** KEYS: the caller's counter. ARGV: window (ms). Returns the count in this window and the ms left of it. */
const COUNT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1])
end
return {count, left}
`;

type Counting = RedisClient & { countCall(key: string, windowMs: number): Promise<[number, number]> };
type Done = (error: Error | null, result?: { current: number; ttl: number }) => void;

/** A store class for @fastify/rate-limit (it constructs one, then a child per route with its own limits). */
export function redisRateLimitStore(redis: RedisClient) {
  const counting = redis as Counting;
  counting.defineCommand('countCall', { numberOfKeys: 1, lua: COUNT });
  return class RedisRateLimitStore implements FastifyRateLimitStore {
    private readonly prefix: string;

    constructor(_params?: unknown, prefix = 'calls:') {
      this.prefix = prefix;
    }

    incr(key: string, done: Done, windowMs: number): void {
      counting.countCall(`${this.prefix}${key}`, windowMs).then(
        ([current, ttl]) => done(null, { current, ttl }),
        () => done(new Unavailable('The rate-limit store cannot be reached; retry shortly.', 1)),
      );
    }

    child(route: Parameters<FastifyRateLimitStore['child']>[0]): RedisRateLimitStore {
      return new RedisRateLimitStore(undefined, `${this.prefix}${String(route.method)}${route.url}:`);
    }
  };
}
