// What a customer sees: a form to request a delivery and the list of their deliveries, or
// one delivery followed live.
import type { Api } from '../api.ts';
import type { ConsoleConfig } from '../config.ts';
import { DeliveryList } from './delivery-list.tsx';
import { DeliveryView } from './delivery-view.tsx';
import { RequestForm } from './request-form.tsx';

export function CustomerView({
  api,
  config,
  ownerId,
  openId,
}: {
  api: Api;
  config: ConsoleConfig;
  ownerId: string;
  openId?: string | undefined;
}) {
  if (openId) return <DeliveryView api={api} config={config} deliveryId={decodeURIComponent(openId)} />;
  return (
    <div class="columns">
      <RequestForm api={api} ownerId={ownerId} onAccepted={(id) => (location.hash = `#/deliveries/${encodeURIComponent(id)}`)} />
      <DeliveryList api={api} />
    </div>
  );
}
