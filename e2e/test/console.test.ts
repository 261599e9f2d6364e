// The console in a real browser (Debian's Chromium, driven by playwright-core) against the
// real system: the whole system in this process, the console server in front of its gateway.
// Helpers sign in, request a delivery and open one, so that further journeys (a delivery
// reaching Completed, a dead letter redriven) are a few lines each.
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import { buildWebIfStale } from '@dronedelivery/console/web-build';
import { type RunningSystem, startInProcess } from '@dronedelivery/fleet';
import { capturingLogger, freePort } from '@dronedelivery/service-kit/testing';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHROMIUM_BIN = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
const SCREENSHOTS = process.env.CONSOLE_SCREENSHOTS === '1';
const images = fileURLToPath(new URL('../../docs/images/', import.meta.url));

describe.runIf(existsSync(CHROMIUM_BIN))('the console in a browser, against the system', () => {
  let system: RunningSystem;
  let browser: Browser;
  let origin: string;

  beforeAll(async () => {
    await buildWebIfStale();
    // The whole system as npm start runs it, the simulator flying the drones (a few minutes'
    // flight in about a second), the console serving the front end and passing /api on.
    system = await startInProcess({
      without: [],
      env: { SIMULATION_SPEED: '120', QUEUE_BACKOFF_MS: '200', LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '0' },
      logFor: (service) => capturingLogger(service).log,
    });
    origin = system.urls.console;
    browser = await chromium.launch({ executablePath: CHROMIUM_BIN, args: ['--no-sandbox'] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    return context.newPage();
  }

  async function signIn(page: Page, role: 'customer' | 'operator', ownerId?: string, at = origin): Promise<void> {
    await page.goto(at);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel(role === 'customer' ? 'Customer' : 'Operator').check();
    if (ownerId) await page.getByLabel('Owner id').fill(ownerId);
    await page.getByRole('button', { name: 'Get a development token' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  }

  /** Fills the request form and submits it; the caller checks what follows. */
  async function submitRequest(page: Page, fields: { weight?: string; pickup?: string; dropoff?: string } = {}): Promise<void> {
    await page.getByLabel('Pickup', { exact: true }).fill(fields.pickup ?? 'Pike Place Market');
    await page.getByLabel('Dropoff', { exact: true }).fill(fields.dropoff ?? '47.62, -122.35');
    await page.getByLabel('Weight (kg)').fill(fields.weight ?? '1.5');
    await page.getByRole('button', { name: 'Request delivery' }).click();
  }

  /** Requests a delivery and waits for its page: its id. */
  async function requestDelivery(page: Page): Promise<string> {
    await submitRequest(page);
    await page.waitForURL(/#\/deliveries\//);
    return decodeURIComponent(page.url().split('#/deliveries/')[1] ?? '');
  }

  async function openDelivery(page: Page, deliveryId: string): Promise<void> {
    await page.goto(`${origin}/#/deliveries/${encodeURIComponent(deliveryId)}`);
    await page.getByRole('heading', { name: `Delivery ${deliveryId}` }).waitFor();
  }

  async function seriousViolations(page: Page): Promise<string[]> {
    const results = await new AxeBuilder({ page }).analyze();
    return results.violations
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .map((violation) => `${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(' ')).join(', ')})`);
  }

  let firstDelivery: string;

  it('lets a customer request a delivery, showing the contract’s validation message first, then see it listed and on the map', async () => {
    const page = await newPage();
    await signIn(page, 'customer', 'browser-owner');
    // Runs in the page: typed with Node's lib here, hence the casts.
    const timing = await page.evaluate(() => {
      const navigation = performance.getEntriesByType('navigation' as never)[0] as unknown as { domContentLoadedEventEnd: number };
      const rendered = performance.getEntriesByName('console-rendered')[0];
      return { domContentLoaded: navigation.domContentLoadedEventEnd, rendered: rendered?.startTime };
    });
    console.info(
      `console first render: ${Math.round(timing.rendered ?? Number.NaN)} ms after navigation start (DOMContentLoaded ${Math.round(timing.domContentLoaded)} ms)`,
    );
    expect(await seriousViolations(page)).toEqual([]);

    await submitRequest(page, { weight: '500' });
    const weightError = page.locator('#packageInfo\\.weight-error');
    await weightError.waitFor();
    expect(await weightError.textContent()).toMatch(/100/);
    expect(await page.getByLabel('Weight (kg)').getAttribute('aria-invalid')).toBe('true');
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByLabel('Weight (kg)').fill('1.5');
    firstDelivery = await requestDelivery(page);
    await page.getByRole('heading', { name: `Delivery ${firstDelivery}` }).waitFor();
    // Once a drone is assigned the route and the drone are drawn, and listed for screen readers.
    await page.locator('.map-route').waitFor({ timeout: 20_000 });
    await page.locator('circle.map-drone').waitFor();
    expect(await page.getByRole('list', { name: 'What the map shows' }).textContent()).toMatch(/Drone drone-/);
    expect(await seriousViolations(page)).toEqual([]);
    if (SCREENSHOTS) {
      mkdirSync(images, { recursive: true });
      await page.screenshot({ path: `${images}console-customer.png`, fullPage: true });
    }

    await page.getByRole('link', { name: '← My deliveries' }).click();
    await page.getByRole('heading', { name: 'My deliveries' }).waitFor();
    await page.locator(`a[href="#/deliveries/${encodeURIComponent(firstDelivery)}"]`).waitFor();
  });

  it('shows the delivery fly to Completed on its own: the simulator confirms the drop-off, the page updates live', async () => {
    const page = await newPage();
    await signIn(page, 'customer', 'watching-owner');
    const deliveryId = await requestDelivery(page);
    await page.locator('.map-route').waitFor({ timeout: 20_000 });
    // No reload: the stage changes through the delivery's event stream.
    await page.locator('.stage.stage-Completed').waitFor({ timeout: 45_000 });
    const timeline = (await page.locator('ol, ul').filter({ hasText: 'Completed' }).first().textContent()) ?? '';
    for (const stage of ['Created', 'HeadedToPickup', 'HeadedToDropoff', 'Completed']) expect(timeline).toContain(stage);
    const response = await fetch(`${system.urls.gateway}/api/deliveries/${deliveryId}`, {
      headers: { authorization: `Bearer ${await system.token(['customer'], 'watching-owner')}` },
    });
    expect(((await response.json()) as { stage: string }).stage).toBe('Completed');
  }, 60_000);

  it('never shows one owner’s delivery to another owner', async () => {
    const page = await newPage();
    await signIn(page, 'customer', 'another-owner');
    await page.getByText('No deliveries yet.').waitFor();
    expect(await page.locator(`a[href="#/deliveries/${encodeURIComponent(firstDelivery)}"]`).count()).toBe(0);
    await openDelivery(page, firstDelivery);
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toMatch(/Not Found/);
    expect(await page.locator('.map-route').count()).toBe(0);
  });

  it('shows an operator the fleet and the health of every service', async () => {
    // A few drones in the air, so the fleet has something to show.
    const customer = await system.token(['customer'], 'fleet-owner');
    for (const [i, place] of ['Ballard Locks', 'Georgetown Steam Plant', 'Seattle Center'].entries()) {
      const response = await fetch(`${system.urls.gateway}/api/deliveryrequests`, {
        method: 'POST',
        headers: { authorization: `Bearer ${customer}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          ownerId: 'fleet-owner',
          pickupLocation: place,
          dropOffLocation: 'Pioneer Square',
          pickupTime: new Date().toISOString(),
          packageInfo: { packageId: `fleet-package-${i}`, size: 'Small', weight: 1 },
        }),
      });
      expect(response.status).toBe(202);
    }
    const page = await newPage();
    await signIn(page, 'operator');
    await page.getByRole('heading', { name: 'Operations' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    // GET /api/drones, /api/drones/updates and /api/operations/overview: the gateway's routes of the contract.
    await page.getByRole('rowheader', { name: 'drone-1-downtown' }).waitFor({ timeout: 10_000 });
    expect(await page.locator('circle.map-drone').count()).toBe(12);
    await page.getByText(/[1-9]\d* flying/).waitFor({ timeout: 20_000 });
    await page
      .getByRole('table', { name: 'Readiness of each service' })
      .getByRole('rowheader', { name: 'gateway' })
      .waitFor({ timeout: 10_000 });
    expect(await seriousViolations(page)).toEqual([]);
    if (SCREENSHOTS) {
      mkdirSync(images, { recursive: true });
      await page.screenshot({ path: `${images}console-operator.png`, fullPage: true });
    }
  });
  it('lets an operator put a dead letter back on the queue', async () => {
    // A second system whose workflow cannot reach the package service, and tries each message
    // once: every request is dead-lettered, for real, and a redrive takes it through again.
    const down = `http://127.0.0.1:${await freePort()}`;
    const broken = await startInProcess({
      // One try per message (the in-memory queue is shared, so this is the system's setting).
      env: { LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '0', QUEUE_MAX_ATTEMPTS: '1' },
      envFor: { workflow: { PACKAGE_URL: down, UPSTREAM_RETRIES: '0' } },
      logFor: (service) => capturingLogger(service).log,
    });
    try {
      const customer = await broken.token(['customer'], 'dead-owner');
      const accepted = await fetch(`${broken.urls.gateway}/api/deliveryrequests`, {
        method: 'POST',
        headers: { authorization: `Bearer ${customer}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          ownerId: 'dead-owner',
          pickupLocation: 'Pike Place Market',
          dropOffLocation: 'Space Needle',
          pickupTime: new Date().toISOString(),
          packageInfo: { packageId: 'dead-package', size: 'Small', weight: 1 },
        }),
      });
      expect(accepted.status).toBe(202);

      const page = await newPage();
      await signIn(page, 'operator', undefined, broken.urls.console);
      const letters = page.getByRole('region', { name: 'Dead letters' });
      await letters.getByRole('button', { name: /^Redrive all/ }).waitFor({ timeout: 30_000 });
      const before = (await letters.locator('li').first().textContent()) ?? '';
      expect(before).toMatch(/package/);
      await letters.getByRole('button', { name: /^Redrive all/ }).click();
      await page.getByRole('status').filter({ hasText: '1 message put back on the queue.' }).waitFor();
      // The package service is still unreachable: tried again, the message is dead-lettered
      // again, at a later time, and listed once.
      await expect.poll(async () => (await letters.locator('li').first().textContent()) ?? before, { timeout: 30_000 }).not.toBe(before);
      expect(await letters.locator('li').count()).toBe(1);
      expect(await seriousViolations(page)).toEqual([]);
    } finally {
      await broken.stop();
    }
  }, 90_000);
});
