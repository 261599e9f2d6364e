// The gateway's public API as the simulator uses it, every request built from the contract's
// route declarations: read the flying fleet, confirm a drop-off, report a fault, ask for a
// delivery and read one. Answers become outcomes; only a transient failure (the client's
// retries, with backoff, used up) is left for the caller to try again later.
import {
  type Confirmation,
  callOf,
  type DeliveryRequest,
  type DeliveryStage,
  type DroneFault,
  type FleetView,
  gatewayRoutes,
} from '@dronedelivery/contracts';
import { type HttpClient, type HttpResponse, UpstreamError } from '@dronedelivery/service-kit';
import type { Credentials } from './credentials.ts';

/**
 * `ok`: done as asked (a repeat of the same confirmation included); `conflict`: the delivery
 * had moved on (cancelled, confirmed differently); `not-found`: no such delivery or drone;
 * `refused`: any other answer, a mistake to read in the logs; `failed`: no usable answer.
 */
export type Outcome = 'ok' | 'conflict' | 'not-found' | 'refused' | 'failed';

export interface Answered {
  outcome: Outcome;
  status?: number;
  detail?: string;
}

export function outcomeOf(status: number): Outcome {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 409) return 'conflict';
  if (status === 404) return 'not-found';
  return 'refused';
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The detail of a problem answer, for a log line. */
function detailOf(response: HttpResponse): string | undefined {
  const body = response.body as { detail?: unknown } | undefined;
  return typeof body?.detail === 'string' ? body.detail : undefined;
}

export class GatewayApi {
  private readonly client: HttpClient;
  private readonly credentials: Credentials;

  constructor(client: HttpClient, credentials: Credentials) {
    this.client = client;
    this.credentials = credentials;
  }

  /** The drones flying now; throws when the gateway does not answer with them. */
  async flyingDrones(signal?: AbortSignal): Promise<FleetView> {
    const call = callOf(gatewayRoutes.fleet, { query: { state: 'flying' } });
    const response = await this.client.send(call, { headers: bearer(await this.credentials.drone()), ...(signal ? { signal } : {}) });
    if (response.status === 200) return response.body;
    const hint = response.status === 404 ? ' (does this gateway serve the fleet?)' : '';
    throw new Error(`GET ${call.path} answered ${response.status}${hint}: ${detailOf(response) ?? 'no detail'}`);
  }

  /**
   * Proof of delivery. Safe to repeat: the delivery service answers the same confirmation as
   * it answered the first, so the client may retry it after a lost answer.
   */
  confirm(deliveryId: string, confirmation: Confirmation): Promise<Answered> {
    return this.answer(async () =>
      this.client.send(callOf(gatewayRoutes.confirmDelivery, { params: { id: deliveryId }, body: confirmation }), {
        headers: bearer(await this.credentials.drone()),
        idempotent: true,
      }),
    );
  }

  /** A drone's failure; the route is idempotent, so it too may be retried. */
  reportFault(droneId: string, fault: DroneFault): Promise<Answered> {
    return this.answer(async () =>
      this.client.send(callOf(gatewayRoutes.reportFault, { params: { droneId }, body: fault }), {
        headers: bearer(await this.credentials.drone()),
        idempotent: true,
      }),
    );
  }

  /** A customer's request; the idempotency key makes a retry the same request, never a second delivery. */
  async requestDelivery(request: DeliveryRequest, idempotencyKey: string): Promise<Answered & { deliveryId?: string }> {
    const token = this.credentials.customer(request.ownerId);
    if (!token) return { outcome: 'refused', detail: 'no customer credential' };
    let deliveryId: string | undefined;
    const answered = await this.answer(async () => {
      const response = await this.client.send(callOf(gatewayRoutes.requestDelivery, { body: request }), {
        headers: { ...bearer(await token), 'idempotency-key': idempotencyKey },
        idempotent: true,
      });
      if (response.status === 202) deliveryId = response.body.deliveryId;
      return response;
    });
    return { ...answered, ...(deliveryId ? { deliveryId } : {}) };
  }

  /** A delivery's stage as its owner sees it; undefined when it could not be read now. */
  async stageOf(ownerId: string, deliveryId: string): Promise<DeliveryStage | undefined> {
    const token = this.credentials.customer(ownerId);
    if (!token) return undefined;
    try {
      const response = await this.client.send(callOf(gatewayRoutes.delivery, { params: { id: deliveryId } }), {
        headers: bearer(await token),
      });
      return response.status === 200 ? response.body.stage : undefined;
    } catch (error) {
      if (error instanceof UpstreamError) return undefined;
      throw error;
    }
  }

  private async answer(send: () => Promise<HttpResponse>): Promise<Answered> {
    try {
      const response = await send();
      const detail = detailOf(response);
      return { outcome: outcomeOf(response.status), status: response.status, ...(detail ? { detail } : {}) };
    } catch (error) {
      if (error instanceof UpstreamError)
        return { outcome: 'failed', ...(error.status ? { status: error.status } : {}), detail: error.message };
      throw error;
    }
  }
}
