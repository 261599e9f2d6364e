// The fleet: the whole system as processes, wired through its URL variables, carries a
// delivery from the gateway to the workflow; a unit that cannot start fails the start with
// its own words; in-process start; the samples are what the contracts accept.
import { DeliveryCreate, DeliveryRequest, gatewayRoutes, pathOf } from '@dronedelivery/contracts';
import { devToken } from '@dronedelivery/gateway/dev-token';
import { redisServerInstalled } from '@dronedelivery/redis/testing';
import { ProcessGroup } from '@dronedelivery/service-kit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { startInProcess, startProcessFleet, startRedis, UNIT_NAMES } from '../src/index.ts';
import { droneFleet, ORIGINAL_SAMPLE, ORIGINAL_SAMPLE_JSON, sampleDelivery } from '../src/samples.ts';

const SECRET = 'fleet-test-secret-that-is-long-enough-for-hs256';
let group: ProcessGroup;
afterEach(() => group?.stopAll());

describe('samples', () => {
  it("the original sample is the original documentation's, byte for byte, and a valid request", () => {
    expect(ORIGINAL_SAMPLE_JSON).toBe(
      '{"confirmationRequired":"None","deadline":"","dropOffLocation":"drop off","expedited":true,"ownerId":"myowner","packageInfo":{"packageId":"mypackage","size":"Small","tag":"mytag","weight":10},"pickupLocation":"my pickup","pickupTime":"2019-05-08T20:00:00.000Z"}',
    );
    expect(DeliveryRequest.safeParse(ORIGINAL_SAMPLE).success).toBe(true);
  });

  it('the sample delivery is what the delivery service is sent', () => {
    expect(DeliveryCreate.parse(sampleDelivery({ ownerId: 'someone' })).ownerId).toBe('someone');
    expect(droneFleet('d', 3).map((drone) => drone.id)).toEqual(['d-0', 'd-1', 'd-2']);
  });
});

describe.skipIf(!redisServerInstalled())('startProcessFleet', () => {
  it('starts every unit as a process, wired to the others: a request goes from the gateway to a scheduled delivery', async () => {
    group = new ProcessGroup();
    const redis = await startRedis(group, { aof: false });
    const fleet = await startProcessFleet(group, {
      env: { REDIS_URL: redis.url, QUEUE_PREFIX: 'fleet-test', JWT_SECRET: SECRET, FLEET_JSON: JSON.stringify(droneFleet('fleet')) },
    });
    expect(Object.keys(fleet.processes).sort()).toEqual([...UNIT_NAMES].sort());
    const authorization = `Bearer ${await devToken({ secret: SECRET, ownerId: ORIGINAL_SAMPLE.ownerId })}`;
    const pickupTime = new Date(Date.now() + 3_600_000).toISOString();
    const accepted = await fetch(`${fleet.urls.gateway}${gatewayRoutes.requestDelivery.url}`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ ...ORIGINAL_SAMPLE, pickupTime }),
    });
    expect(accepted.status).toBe(202);
    const { deliveryId } = (await accepted.json()) as { deliveryId: string };
    let stage: string | undefined;
    for (let attempt = 0; attempt < 100 && (stage === undefined || stage === 'Requested'); attempt += 1) {
      const status = await fetch(`${fleet.urls.gateway}${pathOf(gatewayRoutes.deliveryStatus, { id: deliveryId })}`, {
        headers: { authorization },
      });
      stage = status.ok ? ((await status.json()) as { stage: string }).stage : undefined;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // Requested until the workflow has scheduled it; any later stage after.
    expect(stage).toMatch(/^(?!Requested$)\w+$/);
  }, 120_000);

  it('fails with the words of a unit that cannot start, and leaves nothing running once stopped', async () => {
    group = new ProcessGroup();
    await expect(startProcessFleet(group, { units: ['package', 'gateway'] })).rejects.toThrow(
      /gateway exited \(1\) before becoming ready:[\s\S]*JWT_SECRET/,
    );
    await group.stopAll();
    expect(group.running).toEqual([]);
  }, 60_000);
});

describe('startInProcess', () => {
  it('starts every unit in this process on free ports', async () => {
    const system = await startInProcess({ without: [], env: { LOG_LEVEL: 'silent' } });
    try {
      expect(Object.keys(system.urls).sort()).toEqual([...UNIT_NAMES].sort());
      expect(system.apps).toHaveLength(UNIT_NAMES.length);
      for (const url of Object.values(system.urls)) expect((await fetch(`${url}/healthz/ready`)).status).toBe(200);
    } finally {
      await system.stop();
    }
  });
});
