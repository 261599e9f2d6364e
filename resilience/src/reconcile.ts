// Reconciles the client's log of accepted requests against the system's state: every
// deliveryId answered 202 must end as exactly one delivery record (completed) or one dead
// letter with its reason — never neither (lost), never both.
import type { Cluster } from './cluster.ts';

export interface Reconciliation {
  accepted: number;
  completed: number;
  deadLettered: number;
  /** Accepted, but neither a delivery nor a dead letter when the time ran out. */
  lost: string[];
  /** Both a delivery and a dead letter: processed twice with different outcomes. */
  both: string[];
  /** How long after the call every accepted request had reached its end. */
  settledAfterMs: number;
}

async function deadLetteredIds(cluster: Cluster): Promise<Set<string>> {
  const response = await fetch(`${cluster.balancers.workflow.url}/admin/deadletters?limit=1000`, {
    headers: { authorization: `Bearer ${cluster.adminToken}` },
    signal: AbortSignal.timeout(5_000),
  }).catch(() => undefined);
  if (!response?.ok) return new Set();
  const body = (await response.json()) as { deadLetters: { message: { deliveryId: string } }[] };
  return new Set(body.deadLetters.map((entry) => entry.message.deliveryId));
}

async function deliveryExists(cluster: Cluster, deliveryId: string): Promise<boolean> {
  const response = await fetch(`${cluster.balancers.delivery.url}/api/deliveries/${encodeURIComponent(deliveryId)}`, {
    signal: AbortSignal.timeout(5_000),
  }).catch(() => undefined);
  await response?.body?.cancel();
  return response?.status === 200;
}

/** Checks `ids` in batches of `width` concurrent requests. */
async function existing(cluster: Cluster, ids: string[], width = 32): Promise<Set<string>> {
  const found = new Set<string>();
  for (let start = 0; start < ids.length; start += width) {
    const batch = ids.slice(start, start + width);
    const results = await Promise.all(batch.map((id) => deliveryExists(cluster, id)));
    batch.forEach((id, index) => {
      if (results[index]) found.add(id);
    });
  }
  return found;
}

export async function reconcile(cluster: Cluster, deliveryIds: Iterable<string>, timeoutMs = 180_000): Promise<Reconciliation> {
  const started = Date.now();
  const accepted = [...new Set(deliveryIds)];
  const completed = new Set<string>();
  let deadLettered = new Set<string>();
  let pending = accepted;
  while (pending.length > 0 && Date.now() - started < timeoutMs) {
    deadLettered = await deadLetteredIds(cluster);
    const candidates = pending.filter((id) => !deadLettered.has(id));
    for (const id of await existing(cluster, candidates)) completed.add(id);
    pending = accepted.filter((id) => !completed.has(id) && !deadLettered.has(id));
    if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  deadLettered = await deadLetteredIds(cluster);
  return {
    accepted: accepted.length,
    completed: completed.size,
    deadLettered: accepted.filter((id) => deadLettered.has(id)).length,
    lost: accepted.filter((id) => !completed.has(id) && !deadLettered.has(id)),
    both: accepted.filter((id) => completed.has(id) && deadLettered.has(id)),
    settledAfterMs: Date.now() - started,
  };
}

/** Sends one request and measures how long until its delivery exists: recovery, seen by a customer. */
export async function timeToFirstDelivery(
  cluster: Cluster,
  submit: () => Promise<string | undefined>,
  timeoutMs = 120_000,
): Promise<number> {
  const started = Date.now();
  const deliveryId = await submit();
  if (!deliveryId) return Number.POSITIVE_INFINITY;
  while (Date.now() - started < timeoutMs) {
    if (await deliveryExists(cluster, deliveryId)) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return Number.POSITIVE_INFINITY;
}
