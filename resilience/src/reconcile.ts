// Reconciles the client's log of accepted requests against the system's state: every
// deliveryId answered 202 must end as exactly one delivery record (completed) or one dead
// letter with its reason — never neither (lost), never both. It waits on progress, not on a
// clock, so a slow machine makes a run longer, never wrong; when it gives up it says where
// each unsettled request's message is.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Delivery, deliveryRoutes, pathOf, workflowRoutes } from '@dronedelivery/contracts';
import type { Cluster } from './cluster.ts';
import type { JobState, QueueInspector } from './queue-state.ts';

export interface PendingRequest extends Partial<JobState> {
  deliveryId: string;
}

export interface Reconciliation {
  accepted: number;
  completed: number;
  deadLettered: number;
  /** Accepted, but neither a delivery nor a dead letter when the reconciliation gave up. */
  lost: string[];
  /** Both a delivery and a dead letter: processed twice with different outcomes. */
  both: string[];
  /** From the call until every accepted request had settled; Infinity if some never did. */
  settledAfterMs: number;
  /** How long the reconciliation waited in all. */
  waitedMs: number;
  /** Where each lost request's message was when the reconciliation gave up. */
  pending: PendingRequest[];
  /** The pending requests grouped by queue state, attempts and last error, one line a group. */
  pendingSummary: string;
}

export interface ReconcileOptions {
  /**
   * Give up once this long has passed with no request newly settled, no attempt made or
   * stalled job taken back, and no retry backoff still running. Long enough to cover one
   * message's processing with every HTTP retry on a loaded machine.
   */
  stallMs?: number;
  pollMs?: number;
  /** Reads where unsettled messages are; without it only settled requests count as progress. */
  queue?: QueueInspector;
  /** A progress line now and then, so a long run shows it is moving. */
  log?: (line: string) => void;
}

async function deadLetteredIds(cluster: Cluster): Promise<Set<string> | undefined> {
  const response = await fetch(`${cluster.balancers.workflow.url}${workflowRoutes.deadLetters.url}?limit=1000`, {
    headers: { authorization: `Bearer ${cluster.adminToken}` },
    signal: AbortSignal.timeout(10_000),
  }).catch(() => undefined);
  if (!response?.ok) {
    await response?.body?.cancel();
    return undefined;
  }
  const body = (await response.json()) as { deadLetters: { message: { deliveryId: string } }[] };
  return new Set(body.deadLetters.map((entry) => entry.message.deliveryId));
}

function getDelivery(cluster: Cluster, deliveryId: string): Promise<Response | undefined> {
  return fetch(`${cluster.balancers.delivery.url}${pathOf(deliveryRoutes.get, { id: deliveryId })}`, {
    signal: AbortSignal.timeout(10_000),
  }).catch(() => undefined);
}

async function deliveryExists(cluster: Cluster, deliveryId: string): Promise<boolean> {
  const response = await getDelivery(cluster, deliveryId);
  await response?.body?.cancel();
  return response?.status === 200;
}

/** The delivery service's record, if it holds one (and answers). */
async function deliveryRecord(cluster: Cluster, deliveryId: string): Promise<Delivery | undefined> {
  const response = await getDelivery(cluster, deliveryId);
  if (response?.status === 200) return (await response.json()) as Delivery;
  await response?.body?.cancel();
  return undefined;
}

/** `read` for each of `ids`, in batches of `width` concurrent requests: the id with what it gave, unless undefined or false. */
async function readEach<T>(ids: string[], read: (id: string) => Promise<T | undefined | false>, width = 32): Promise<Map<string, T>> {
  const found = new Map<string, T>();
  for (let start = 0; start < ids.length; start += width) {
    const batch = ids.slice(start, start + width);
    const results = await Promise.all(batch.map(read));
    batch.forEach((id, index) => {
      const result = results[index];
      if (result !== undefined && result !== false) found.set(id, result);
    });
  }
  return found;
}

/** Which of `ids` the delivery service holds a delivery for. */
async function existing(cluster: Cluster, ids: string[]): Promise<Set<string>> {
  return new Set((await readEach(ids, (id) => deliveryExists(cluster, id))).keys());
}

/** The delivery records of `ids` that the delivery service holds, by id: stage, drone, and why one is waiting or rejected. */
export function deliveryRecords(cluster: Cluster, ids: Iterable<string>): Promise<Map<string, Delivery>> {
  return readEach([...ids], (id) => deliveryRecord(cluster, id));
}

/** One line per group of pending requests in the same place, most common first, with examples. */
export function summarizePending(pending: PendingRequest[]): string {
  const groups = new Map<string, PendingRequest[]>();
  for (const request of pending) {
    const where =
      request.location === undefined
        ? 'queue not readable'
        : `${request.location}, ${request.attemptsMade} attempts made, ${request.attemptsStarted} taken, ${request.stalledCounter} stalled`;
    // The queue adapter records no reason when a handler asks for RetryLater (no attempt used).
    const bounced = request.location === 'delayed' && request.attemptsMade === 0 && (request.attemptsStarted ?? 0) > 0;
    const lastError =
      request.lastError?.slice(0, 160) ??
      (bounced ? 'none recorded: put back by RetryLater (a circuit open or bulkhead full; see the workflow log)' : 'none');
    const key = `${where}; last error: ${lastError}`;
    groups.set(key, [...(groups.get(key) ?? []), request]);
  }
  return [...groups]
    .sort(([, a], [, b]) => b.length - a.length)
    .map(
      ([key, members]) =>
        `${members.length} × ${key} (e.g. ${members
          .slice(0, 3)
          .map((member) => member.deliveryId)
          .join(', ')})`,
    )
    .join('\n');
}

/** Where a message is still on its way: a delivery cannot be expected yet, so it is not asked for. */
const QUEUED = new Set(['waiting', 'prioritized', 'delayed']);

export async function reconcile(cluster: Cluster, deliveryIds: Iterable<string>, options: ReconcileOptions = {}): Promise<Reconciliation> {
  const { stallMs = 60_000, pollMs = 1_000, queue, log } = options;
  const started = Date.now();
  const accepted = [...new Set(deliveryIds)];
  const completed = new Set<string>();
  // Dead letters stay until redriven (the suite never does), so a poll that cannot read them
  // (the workflow restarting) must not make earlier ones disappear.
  const deadLettered = new Set<string>();
  const readDeadLetters = async () => {
    for (const id of (await deadLetteredIds(cluster)) ?? []) deadLettered.add(id);
  };
  let pending = accepted;
  let settledAt = Number.POSITIVE_INFINITY;
  let lastProgressAt = started;
  /** A retry backoff that an attempt started: no progress is due before it ends. */
  let backoffUntil = 0;
  let states: Map<string, JobState> | undefined;
  let lastLogAt = started;
  /** For each message asked about while delayed: how many times it had been taken then. */
  const askedAfterTakes = new Map<string, number>();

  for (;;) {
    if (queue) {
      const previous = states;
      states = await queue.inspect(pending).catch(() => undefined);
      for (const [id, state] of states ?? []) {
        const before = previous?.get(id);
        // An attempt used or a lost worker's job taken back moves a message toward its end
        // (both are bounded: maxAttempts, maxStalledCount); a RetryLater round trip does not.
        const moved = before === undefined || state.attemptsMade > before.attemptsMade || state.stalledCounter > before.stalledCounter;
        if (moved && before !== undefined) lastProgressAt = Date.now();
        if (moved && state.location === 'delayed' && state.attemptsMade > 0 && state.dueAt !== undefined)
          backoffUntil = Math.max(backoffUntil, state.dueAt);
      }
    }
    // Ask the services only about messages that have left the queue: polling every pending
    // delivery each second is hundreds of requests a second on the machine under test,
    // competing with the backlog it waits for. A message put back after it was taken may
    // have its delivery already (one waiting for a drone has its record, saying so): it is
    // asked about once after each time it was taken. Without the queue's view, ask about all.
    const left = states
      ? pending.filter((id) => {
          const state = states?.get(id);
          if (!QUEUED.has(state?.location ?? 'absent')) return true;
          return state?.location === 'delayed' && state.attemptsStarted > (askedAfterTakes.get(id) ?? 0);
        })
      : pending;
    for (const id of left) {
      const state = states?.get(id);
      if (state?.location === 'delayed') askedAfterTakes.set(id, state.attemptsStarted);
    }
    if (!states || left.some((id) => states?.get(id)?.location === 'failed')) await readDeadLetters();
    for (const id of await existing(
      cluster,
      left.filter((id) => !deadLettered.has(id)),
    ))
      completed.add(id);
    const stillPending = pending.filter((id) => !completed.has(id) && !deadLettered.has(id));
    if (stillPending.length < pending.length) lastProgressAt = Date.now();
    pending = stillPending;
    if (pending.length === 0) {
      settledAt = Date.now();
      break;
    }

    const now = Date.now();
    if (log && now - lastLogAt >= 15_000) {
      lastLogAt = now;
      const where = new Map<string, number>();
      for (const id of pending) {
        const location = states?.get(id)?.location ?? 'unknown';
        where.set(location, (where.get(location) ?? 0) + 1);
      }
      log(
        `reconcile +${Math.round((now - started) / 1000)} s: ${accepted.length - pending.length}/${accepted.length} settled; pending ${[
          ...where,
        ]
          .map(([location, count]) => `${count} ${location}`)
          .join(', ')}`,
      );
    }
    if (now - Math.max(lastProgressAt, backoffUntil) > stallMs) break;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  const waitedMs = Date.now() - started;

  // The verdict from one full pass over every accepted request, not from the polls: a
  // delivery that also has a dead letter (both) is only found by asking for each.
  await readDeadLetters();
  const delivered = await existing(cluster, accepted);
  const lost = accepted.filter((id) => !delivered.has(id) && !deadLettered.has(id));
  if (queue && lost.length > 0) states = await queue.inspect(lost).catch(() => states);
  const pendingDetails: PendingRequest[] = lost.map((deliveryId) => ({ deliveryId, ...states?.get(deliveryId) }));
  const result: Reconciliation = {
    accepted: accepted.length,
    completed: delivered.size,
    deadLettered: accepted.filter((id) => deadLettered.has(id)).length,
    lost,
    both: accepted.filter((id) => delivered.has(id) && deadLettered.has(id)),
    settledAfterMs: lost.length === 0 ? Math.min(settledAt, started + waitedMs) - started : Number.POSITIVE_INFINITY,
    waitedMs,
    pending: pendingDetails,
    pendingSummary: summarizePending(pendingDetails),
  };
  if (lost.length > 0) {
    // Every pending request with its queue state, next to the replicas' logs.
    writeFileSync(join(cluster.directory, 'pending.json'), `${JSON.stringify(pendingDetails, null, 2)}\n`);
    log?.(
      `reconcile gave up after ${Math.round(waitedMs / 1000)} s, the last ${Math.round(stallMs / 1000)} s without progress; pending:\n${result.pendingSummary}`,
    );
  }
  return result;
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
