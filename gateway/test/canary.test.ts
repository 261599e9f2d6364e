// Side-by-side versions: the gateway sends the configured share of a service's calls to its
// canary release, and all of them back to the current release at 0%.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { HttpClient } from '@dronedelivery/service-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { CanarySplit } from '../src/canary.ts';
import { type Harness, startHarness, token } from './harness.ts';

let harness: Harness | undefined;
let canary: Server | undefined;
let canaryHits = 0;

afterEach(async () => {
  await harness?.close();
  canary?.close();
  harness = undefined;
  canaryHits = 0;
});

/** A stand-in for delivery-v2 that counts what reaches it. */
async function startCanary(): Promise<string> {
  canary = createServer((_request, response) => {
    canaryHits += 1;
    response.writeHead(404, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ status: 404, title: 'Not Found' }));
  });
  canary.listen(0, '127.0.0.1');
  await once(canary, 'listening');
  return `http://127.0.0.1:${(canary.address() as { port: number }).port}`;
}

async function read(times: number): Promise<void> {
  const bearer = await token({ roles: ['operator'] });
  for (let i = 0; i < times; i += 1)
    await (harness as Harness).gateway.inject({
      method: 'GET',
      url: `/api/deliveries/d-${i}`,
      headers: { authorization: `Bearer ${bearer}` },
    });
}

describe('canary split', () => {
  it('chooses the canary for the configured share of calls', async () => {
    const picks: string[] = [];
    const client = (name: string) =>
      ({ upstream: name, request: async () => picks.push(name), close: async () => {} }) as unknown as HttpClient;
    const values = [0.1, 0.3, 0.249, 0.25, 0.9];
    const split = new CanarySplit(client('delivery'), client('delivery-canary'), 25, () => values.shift() as number);
    for (let i = 0; i < 5; i += 1) await split.request({ method: 'GET', path: '/' });
    expect(picks).toEqual(['delivery-canary', 'delivery', 'delivery-canary', 'delivery', 'delivery']);
    expect(split.upstream).toBe('delivery');
  });

  it('at 100% every delivery read goes to the canary release, with its own metrics', async () => {
    const url = await startCanary();
    harness = await startHarness({ DELIVERY_CANARY_URL: url, DELIVERY_CANARY_PERCENT: 100 });
    await read(10);
    expect(canaryHits).toBe(10);
    const metrics = (await harness.gateway.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/http_client_attempts_total\{[^}]*upstream="delivery-canary"[^}]*\} 10/);
  });

  it('at 30% about a third go to the canary; at 0% none (the way back)', async () => {
    const url = await startCanary();
    harness = await startHarness({ DELIVERY_CANARY_URL: url, DELIVERY_CANARY_PERCENT: 30 });
    await read(400);
    expect(canaryHits).toBeGreaterThan(80);
    expect(canaryHits).toBeLessThan(160);
    await harness.close();
    canaryHits = 0;
    harness = await startHarness({ DELIVERY_CANARY_URL: url, DELIVERY_CANARY_PERCENT: 0 });
    await read(50);
    expect(canaryHits).toBe(0);
  });
});
