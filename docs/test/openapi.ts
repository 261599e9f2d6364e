// Every service's OpenAPI document, as the service itself generates it from its routes:
// each app built with in-memory adapters and testConfig(), asked for GET /openapi.json.
// Relative imports: docs/ is not a workspace package, the services' own dependencies
// resolve from their folders.

import { buildApp as buildConsole } from '../../console/src/app.ts';
import { configSchema as consoleConfig } from '../../console/src/config.ts';
import { buildApp as buildGateway } from '../../gateway/src/app.ts';
import { configSchema as gatewayConfig } from '../../gateway/src/config.ts';
import { MemoryQueue } from '../../packages/queue/src/index.ts';
import type { ServiceInstance } from '../../packages/service-kit/src/index.ts';
import { capturingLogger, startForInject, testConfig } from '../../packages/service-kit/src/testing.ts';
import { buildApp as buildDelivery } from '../../services/delivery/src/app.ts';
import { configSchema as deliveryConfig } from '../../services/delivery/src/config.ts';
import { MemoryDeliveryStore } from '../../services/delivery/src/store/memory.ts';
import { buildApp as buildScheduler } from '../../services/dronescheduler/src/app.ts';
import { configSchema as schedulerConfig } from '../../services/dronescheduler/src/config.ts';
import { MemorySchedulerStore } from '../../services/dronescheduler/src/store/memory.ts';
import { MemoryAcceptanceStore } from '../../services/ingestion/src/acceptances/memory.ts';
import { buildApp as buildIngestion } from '../../services/ingestion/src/app.ts';
import { configSchema as ingestionConfig } from '../../services/ingestion/src/config.ts';
import { MemoryIdempotencyStore } from '../../services/ingestion/src/idempotency/memory.ts';
import { buildApp as buildPackage } from '../../services/package/src/app.ts';
import { configSchema as packageConfig } from '../../services/package/src/config.ts';
import { MemoryPackageStore } from '../../services/package/src/store/memory.ts';
import { buildApp as buildWorkflow } from '../../services/workflow/src/app.ts';
import { configSchema as workflowConfig } from '../../services/workflow/src/config.ts';

export type ServiceName = 'gateway' | 'ingestion' | 'workflow' | 'delivery' | 'package' | 'dronescheduler';

/** `METHOD /path/{param}` for every operation of a service's document. */
export type Operations = Record<ServiceName, string[]>;

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

interface Document {
  paths?: Record<string, Record<string, unknown>>;
}

function operationsOf(document: Document): string[] {
  return Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((method) => METHODS.includes(method))
      .map((method) => `${method.toUpperCase()} ${path}`),
  );
}

async function documentOf(app: ServiceInstance): Promise<string[]> {
  try {
    await startForInject(app);
    const response = await app.inject({ method: 'GET', url: '/openapi.json' });
    if (response.statusCode !== 200) throw new Error(`GET /openapi.json answered ${response.statusCode}: ${response.body}`);
    return operationsOf(response.json() as Document);
  } finally {
    await app.close();
  }
}

export async function serviceOperations(): Promise<Operations> {
  const log = capturingLogger('api-doc').log;
  const nowhere = 'http://127.0.0.1:9';
  const ingestionQueue = new MemoryQueue({ maxAttempts: 3, backoffMs: 10 });
  const workflowQueue = new MemoryQueue({ maxAttempts: 3, backoffMs: 10 });
  try {
    return {
      gateway: await documentOf(
        await buildGateway({
          config: {
            ...gatewayConfig.parse({ JWT_SECRET: 'a-test-secret-that-is-long-enough-for-hs256' }),
            ...testConfig(),
            INGESTION_URL: nowhere,
            DELIVERY_URL: nowhere,
            PACKAGE_URL: nowhere,
            DRONESCHEDULER_URL: nowhere,
          },
          log,
        }),
      ),
      ingestion: await documentOf(
        await buildIngestion({
          config: { ...ingestionConfig.parse({}), ...testConfig() },
          log,
          queue: ingestionQueue,
          idempotency: new MemoryIdempotencyStore(),
          acceptances: new MemoryAcceptanceStore(),
        }),
      ),
      workflow: await documentOf(
        await buildWorkflow({
          config: {
            ...workflowConfig.parse({}),
            ...testConfig(),
            PACKAGE_URL: nowhere,
            DELIVERY_URL: nowhere,
            DRONESCHEDULER_URL: nowhere,
            WORKFLOW_ADMIN_TOKEN: 'an-operator-token-for-the-docs-test',
          },
          log,
          queue: workflowQueue,
        }),
      ),
      delivery: await documentOf(
        await buildDelivery({ config: { ...deliveryConfig.parse({}), ...testConfig() }, log, store: new MemoryDeliveryStore() }),
      ),
      package: await documentOf(
        await buildPackage({ config: { ...packageConfig.parse({}), ...testConfig() }, log, store: new MemoryPackageStore() }),
      ),
      dronescheduler: await documentOf(
        await buildScheduler({ config: { ...schedulerConfig.parse({}), ...testConfig() }, log, store: new MemorySchedulerStore() }),
      ),
    };
  } finally {
    await ingestionQueue.close();
    await workflowQueue.close();
  }
}

/** The web console's own routes (its configuration, development tokens), beside the /api it passes on to the gateway. */
export async function consoleOperations(): Promise<string[]> {
  const config = { ...consoleConfig.parse({ DEV_TOKEN_SECRET: 'a-test-secret-that-is-long-enough-for-hs256' }), ...testConfig() };
  return documentOf(await buildConsole({ config, log: capturingLogger('api-doc').log }));
}
