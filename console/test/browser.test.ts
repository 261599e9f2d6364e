// The console in a real browser (Debian's Chromium, driven by playwright-core) against the
// real system: the whole system in this process, the console server in front of its gateway.
// Helpers sign in, request a delivery and open one, so that further journeys (a delivery
// reaching Completed, a dead letter redriven) are a few lines each.
import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import { type RunningSystem, startInProcess } from '@dronedelivery/fleet';
import type { ServiceInstance } from '@dronedelivery/service-kit';
import { capturingLogger } from '@dronedelivery/service-kit/testing';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { buildWebIfStale } from '../src/web-build.ts';
import { loadConsoleConfig } from './config-fixture.ts';

const CHROMIUM_BIN = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
const SCREENSHOTS = process.env.CONSOLE_SCREENSHOTS === '1';
const images = fileURLToPath(new URL('../../docs/images/', import.meta.url));

describe.runIf(existsSync(CHROMIUM_BIN))('the console in a browser, against the system', () => {
  let system: RunningSystem;
  let server: ServiceInstance;
  let browser: Browser;
  let origin: string;

  beforeAll(async () => {
    await buildWebIfStale();
    system = await startInProcess({
      env: { SIMULATION_SPEED: '600', QUEUE_BACKOFF_MS: '200', LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '0' },
      logFor: (service) => capturingLogger(service).log,
    });
    server = await buildApp({
      config: loadConsoleConfig({ GATEWAY_URL: system.urls.gateway, DEV_TOKEN_SECRET: system.jwtSecret }),
      log: capturingLogger('console').log,
    });
    await server.listen({ host: '127.0.0.1', port: 0 });
    origin = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM_BIN, args: ['--no-sandbox'] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await system?.stop();
  });

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    return context.newPage();
  }

  async function signIn(page: Page, role: 'customer' | 'operator', ownerId?: string): Promise<void> {
    await page.goto(origin);
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
    const page = await newPage();
    await signIn(page, 'operator');
    await page.getByRole('heading', { name: 'Operations' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    // GET /api/drones, /api/drones/updates and /api/operations/overview: the gateway's routes of the contract.
    await page.getByRole('rowheader', { name: 'drone-1-downtown' }).waitFor({ timeout: 10_000 });
    expect(await page.locator('circle.map-drone').count()).toBe(12);
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
});
