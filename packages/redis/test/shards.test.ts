// The shard layout: every process finds a record's shard from its id alone, the shards spread
// over a cluster's masters, and lists read per shard merge into one newest-first order.
import { describe, expect, it } from 'vitest';
import { Cluster, connectRedis, everyShard, mergeNewestFirst, SHARD_COUNT, shardOf, waitUntilConnected } from '../src/index.ts';
import { redisTargets } from '../src/testing.ts';

describe('shards', () => {
  it('puts an id in the same one of SHARD_COUNT shards every time, and uses them all', () => {
    const ids = Array.from({ length: 2_000 }, (_, index) => `delivery-${index}`);
    expect(shardOf('d-1')).toBe(shardOf('d-1'));
    const counts = new Map<string, number>();
    for (const id of ids) counts.set(shardOf(id), (counts.get(shardOf(id)) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual([...everyShard()].sort());
    expect(everyShard()).toHaveLength(SHARD_COUNT);
    // Roughly even: no shard with more than twice its share.
    for (const count of counts.values()) expect(count).toBeLessThan((2 * ids.length) / SHARD_COUNT);
  });

  it('merges per-shard pages newest first, ties by id descending, and keeps the page size', () => {
    const merged = mergeNewestFirst(
      [
        [
          { id: 'b', at: 30 },
          { id: 'a', at: 10 },
        ],
        [
          { id: 'c', at: 30 },
          { id: 'd', at: 20 },
        ],
      ],
      3,
    );
    expect(merged).toEqual([
      { id: 'c', at: 30 },
      { id: 'b', at: 30 },
      { id: 'd', at: 20 },
    ]);
  });
});

// REDIS_CLUSTER_URL: a Redis Cluster (CI starts one of three masters).
describe.runIf(redisTargets.cluster)('shards on a Redis Cluster', () => {
  it('spread over every master', async () => {
    const client = connectRedis({ url: redisTargets.cluster?.url as string, cluster: true, connectionName: 'test-shards' });
    try {
      await waitUntilConnected(client, 10_000);
      if (!(client instanceof Cluster)) throw new Error('expected a cluster client');
      const owners = new Set<string>();
      for (const shard of everyShard()) {
        const slot = (await client.cluster('KEYSLOT', shard)) as number;
        const ranges = await client.cluster('SLOTS');
        const owner = ranges.find(([from, to]) => slot >= from && slot <= to)?.[2];
        owners.add(`${owner?.[0]}:${owner?.[1]}`);
      }
      expect(owners.size).toBe(client.nodes('master').length);
    } finally {
      await client.quit();
    }
  });
});
