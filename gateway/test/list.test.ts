// Listing deliveries through the gateway while the workflow has recorded only some of them:
// the harness runs no workflow, so a posted request stays on the queue until the test records
// it through the delivery service's internal API, as the workflow would.
import { type DeliveryAcceptance, detailsOf } from '@dronedelivery/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness, token } from './harness.ts';

let harness: Harness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const request = (ownerId: string, packageId: string) => ({
  confirmationRequired: 'None',
  deadline: '',
  dropOffLocation: 'drop off',
  expedited: true,
  ownerId,
  packageInfo: { packageId, size: 'Small', tag: 'mytag', weight: 10 },
  pickupLocation: 'my pickup',
  pickupTime: '2019-05-08T20:00:00.000Z',
});

interface Listed {
  id: string;
  stage: string;
  reason?: string;
}
interface Page {
  items: Listed[];
  nextCursor?: string;
}

async function post(h: Harness, bearer: string, ownerId: string, packageId: string): Promise<string> {
  const response = await h.gateway.inject({
    method: 'POST',
    url: '/api/deliveryrequests',
    headers: { authorization: `Bearer ${bearer}` },
    payload: request(ownerId, packageId),
  });
  expect(response.statusCode).toBe(202);
  return (response.json() as { deliveryId: string }).deliveryId;
}

async function list(h: Harness, bearer: string, query = ''): Promise<Page> {
  const response = await h.gateway.inject({
    method: 'GET',
    url: `/api/deliveries${query}`,
    headers: { authorization: `Bearer ${bearer}` },
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as Page;
}

async function acceptanceOf(h: Harness, id: string): Promise<DeliveryAcceptance> {
  return (await h.services.ingestion.inject({ method: 'GET', url: `/api/deliveryrequests/${id}` })).json() as DeliveryAcceptance;
}

/** Every page of a listing, following nextCursor. */
async function allPages(h: Harness, bearer: string, query: string): Promise<Listed[]> {
  const items: Listed[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 20; pages += 1) {
    const page = await list(h, bearer, `${query}${cursor ? `&cursor=${cursor}` : ''}`);
    items.push(...page.items);
    cursor = page.nextCursor;
    if (!cursor) return items;
  }
  throw new Error('the listing did not end');
}

describe('listing requests the workflow has not recorded yet', () => {
  it('lists them as Requested in place among recorded ones, each once; pages, stage filters and owners hold', async () => {
    const h = await startHarness();
    harness = h;
    const customer = await token({ owner_id: 'owner-a' });
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push(await post(h, customer, 'owner-a', `pkg-list-${i}`));
    await post(h, await token({ owner_id: 'owner-b' }), 'owner-b', 'pkg-list-b');
    const acceptances = await Promise.all(ids.map((id) => acceptanceOf(h, id)));
    // Newest first: acceptance time, then id (several can share a millisecond).
    const order = acceptances
      .map((acceptance) => ({ at: Date.parse(acceptance.acceptedAt), id: acceptance.request.deliveryId }))
      .sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      .map((position) => position.id);

    // Nothing recorded yet: all five, Requested, queued.
    const queued = await list(h, customer);
    expect(queued.items.map((item) => item.id)).toEqual(order);
    expect(queued.items.every((item) => item.stage === 'Requested' && item.reason === 'queued')).toBe(true);
    expect(queued.nextCursor).toBeUndefined();

    // The workflow records one as Rejected, and applies a cancel of another before recording it.
    const [rejected, cancelled] = [ids[1] as string, ids[3] as string];
    const acceptance = acceptances[1] as DeliveryAcceptance;
    const recorded = await h.services.delivery.inject({
      method: 'PUT',
      url: `/api/deliveries/${rejected}/rejection`,
      payload: {
        ...detailsOf(acceptance.request),
        requestedAt: acceptance.acceptedAt,
        reason: 'invalid-request',
        message: 'test rejection',
      },
    });
    expect(recorded.statusCode, recorded.body).toBeLessThan(300);
    expect((await h.services.delivery.inject({ method: 'DELETE', url: `/api/deliveries/${cancelled}` })).statusCode).toBeLessThan(300);

    const stageOf = (id: string) => (id === rejected ? 'Rejected' : id === cancelled ? 'Cancelled' : 'Requested');
    const everything = await list(h, customer);
    expect(everything.items.map((item) => [item.id, item.stage])).toEqual(order.map((id) => [id, stageOf(id)]));

    // Pages of two give the same list, each delivery once.
    expect((await allPages(h, customer, '?limit=2')).map((item) => item.id)).toEqual(order);
    for (const stage of ['Requested', 'Rejected', 'Cancelled']) {
      const filtered = await allPages(h, customer, `?stage=${stage}&limit=2`);
      expect(
        filtered.map((item) => item.id),
        stage,
      ).toEqual(order.filter((id) => stageOf(id) === stage));
    }
    expect((await list(h, customer, '?stage=Created')).items).toEqual([]);

    // Operators: one owner's, or everyone's.
    const operator = await token({ roles: ['operator'] });
    expect((await list(h, operator, '?ownerId=owner-a&limit=100')).items).toHaveLength(5);
    expect((await list(h, operator, '?limit=100')).items).toHaveLength(6);
    // A customer never sees another owner's request, recorded or not.
    expect((await list(h, await token({ owner_id: 'owner-b' }))).items).toHaveLength(1);
  });

  it('a cursor that is not one the list gave out is a 400 problem', async () => {
    harness = await startHarness();
    const response = await harness.gateway.inject({
      method: 'GET',
      url: '/api/deliveries?cursor=bm90LWEtY3Vyc29y',
      headers: { authorization: `Bearer ${await token({ owner_id: 'owner-a' })}` },
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
  });
});

describe('a notify-me request for a delivery still on the queue', () => {
  it('is taken (204): the delivery is recorded as Requested (queued), listed once, and scheduled over later', async () => {
    const h = await startHarness();
    harness = h;
    const customer = await token({ owner_id: 'owner-a' });
    const id = await post(h, customer, 'owner-a', 'pkg-notify');
    const notify = await h.gateway.inject({
      method: 'POST',
      url: `/api/deliveries/${id}/notifymerequests`,
      headers: { authorization: `Bearer ${customer}` },
      payload: { emailAddress: 'someone@example.com' },
    });
    expect(notify.statusCode, notify.body).toBe(204);
    const recorded = await h.services.delivery.inject({ method: 'GET', url: `/api/deliveries/${id}` });
    expect(recorded.json()).toMatchObject({ id, stage: 'Requested', reason: 'queued' });
    expect((await list(h, customer)).items.map((item) => item.id)).toEqual([id]);
    // Another owner still cannot.
    const other = await h.gateway.inject({
      method: 'POST',
      url: `/api/deliveries/${id}/notifymerequests`,
      headers: { authorization: `Bearer ${await token({ owner_id: 'owner-b' })}` },
      payload: { emailAddress: 'other@example.com' },
    });
    expect(other.statusCode).toBe(404);
  });
});
