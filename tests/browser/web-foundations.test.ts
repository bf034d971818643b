/**
 * The web app's foundations, in Debian's Chromium against the real platform with the demo data:
 *
 * - the data layer: a write refreshes the lists that hold its type (a facility saved shows in the
 *   directory seen before); a live event pushed on /api/live refreshes the screen showing that
 *   type; without a live feed on the server (404 today) the client asks once, quietly, not in a loop;
 * - the form hook: an empty submit shows the summary and each field's how-to-fix message;
 * - the installable app: the manifest and its icons, a service worker that keeps the shell (a
 *   return visit offline still starts) and never keeps an API answer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext } from 'playwright-core';
import { fr as adminFr } from '../../packages/web/src/admin/i18n/fr.ts';
import { fr as commonFr } from '../../packages/web/src/app/i18n/fr.ts';
import { fr as portalFr } from '../../packages/web/src/portal/i18n/fr.ts';
import { fhirFetch, type TestServer } from '../support/server.ts';
import {
  DEMO_ADMIN,
  DEMO_PATIENT_CNIE,
  DESKTOP,
  ensureWebBuilt,
  launchChromium,
  newContext,
  settle,
  signInPatient,
  signInStaff,
  startDemoServer,
  watchErrors,
} from './support/browser.ts';

let server: TestServer;
let browser: Browser;
let base: string;
let patientId: string;
const contexts: BrowserContext[] = [];
const errors: string[] = [];

/** A new French browser; `block` keeps service workers out (so that routes see every request). */
async function open(name: string, serviceWorkers: 'allow' | 'block' = 'allow') {
  const context =
    serviceWorkers === 'block'
      ? await browser.newContext({ locale: 'fr-MA', viewport: DESKTOP, serviceWorkers })
      : await newContext(browser, { serviceWorkers: 'allow' });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  watchErrors(page, errors, name);
  return { page, context };
}

before(async () => {
  ensureWebBuilt();
  server = await startDemoServer();
  base = server.url;
  browser = await launchChromium();
  const patients = await fhirFetch(server.fhirBase, `/Patient?identifier=${DEMO_PATIENT_CNIE}`);
  patientId = patients.body.entry[0].resource.id;
});

after(async () => {
  for (const context of contexts) await context.close().catch(() => {});
  await browser?.close();
  await server?.close();
});

describe('data layer', () => {
  it('a saved facility shows in the directory seen before, without reloading the page', async () => {
    const { page } = await open('admin');
    await signInStaff(page, base, DEMO_ADMIN, '/admin/facilities');
    await page.getByTestId('facilities').waitFor();
    await page.getByRole('link', { name: adminFr.facilities.add }).click();
    await page.getByRole('heading', { level: 1, name: adminFr.facilities.newTitle }).waitFor();

    // the form hook: an empty submit lists each problem, linked to its field, with how to fix it
    await page.getByRole('button', { name: commonFr.actions.save }).click();
    const summary = page.locator('.error-summary');
    await summary.waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.className), 'error-summary');
    await summary.getByRole('link', { name: adminFr.errors.nameRequired }).click();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'name');
    assert.equal(await page.locator('#name-error').textContent(), adminFr.errors.nameRequired);
    assert.equal(await page.locator('#name').getAttribute('aria-invalid'), 'true');

    await page.locator('#name').fill('Centre de santé Test Foundations');
    await page.locator('#latitude').fill('31.6295');
    await page.getByRole('button', { name: commonFr.actions.save }).click();
    await page.locator('#longitude-error').waitFor();
    assert.equal(await page.locator('#longitude-error').textContent(), adminFr.errors.positionBoth);
    await page.locator('#longitude').fill('-7.9811');
    await page.getByRole('button', { name: commonFr.actions.save }).click();

    await page.waitForURL((url) => url.pathname === '/admin/facilities');
    await page.getByText(adminFr.facilities.saved).waitFor();
    const link = page
      .getByTestId('facilities')
      .getByRole('link', { name: 'Centre de santé Test Foundations' });
    await link.waitFor();

    // edited, saved, opened again: the form shows the saved record, not the copy cached before
    await link.click();
    await page.getByRole('heading', { level: 1, name: adminFr.facilities.editTitle }).waitFor();
    assert.equal(await page.locator('#latitude').inputValue(), '31.6295');
    await page.locator('#phone').fill('+212524000000');
    await page.getByRole('button', { name: commonFr.actions.save }).click();
    await page.getByText(adminFr.facilities.saved).waitFor();
    await link.click();
    await page.getByRole('heading', { level: 1, name: adminFr.facilities.editTitle }).waitFor();
    assert.equal(await page.locator('#phone').inputValue(), '+212524000000');
  });

  it('without a live feed on the server (404), the client asks once and stays quiet', async () => {
    const { page } = await open('patient-no-feed', 'block');
    const asked: string[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/api/live') asked.push(request.url());
    });
    await signInPatient(page, base);
    await settle(page);
    await page.waitForTimeout(4_000);
    assert.equal(asked.length, 1, `one question to /api/live, then a minute of silence (${asked.length})`);
  });

  it('a live event about a Consent refreshes the sharing screen on its own', async () => {
    const { page } = await open('patient-live', 'block');
    // the feed the server will have: a plain GET answers 426, the socket pushes events
    await page.route('**/api/live', (route) => route.fulfill({ status: 426, body: '' }));
    let push: ((message: string) => void) | undefined;
    await page.routeWebSocket('**/api/live', (ws) => {
      push = (message) => ws.send(message);
    });
    await signInPatient(page, base);
    await page.goto(`${base}/portal/consents`);
    await page.getByTestId('national-sharing').waitFor();
    await settle(page);
    const before = await page
      .getByTestId('consent-rules')
      .getByRole('listitem')
      .count()
      .catch(() => 0);

    // another device of the patient records a rule: this page learns it from the feed only
    const practitioners = await fhirFetch(server.fhirBase, '/Practitioner?_count=1');
    const practitioner = practitioners.body.entry[0].resource;
    const me = await (await page.request.get(`${base}/auth/me`)).json();
    const consent = {
      resourceType: 'Consent',
      status: 'active',
      scope: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }],
      },
      category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
      patient: { reference: `Patient/${patientId}` },
      dateTime: new Date().toISOString(),
      policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
      provision: {
        type: 'permit',
        actor: [
          {
            role: {
              coding: [
                { system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'PRCP' },
              ],
            },
            reference: { reference: `Practitioner/${practitioner.id}`, display: 'Dr Live Feed' },
          },
        ],
      },
    };
    const response = await page.request.post(`${base}/fhir/R4/Consent`, {
      headers: { 'content-type': 'application/fhir+json', 'x-csrf-token': me.csrfToken },
      data: JSON.stringify(consent),
    });
    assert.equal(response.status(), 201, (await response.text()).slice(0, 300));
    const created = { body: await response.json() };
    await page.waitForTimeout(500);
    assert.equal(
      await page.getByText('Dr Live Feed').count(),
      0,
      'nothing refreshes the screen before the event',
    );

    assert.ok(push, 'the page opened the live socket');
    push(
      JSON.stringify({
        type: 'resource',
        resourceType: 'Consent',
        id: created.body.id,
        versionId: '1',
        action: 'create',
      }),
    );
    await page.getByTestId('consent-rules').getByText('Dr Live Feed').waitFor();
    const after = await page.getByTestId('consent-rules').getByRole('listitem').count();
    assert.equal(after, before + 1);
    assert.ok(await page.getByText(portalFr.consents.permit).first().isVisible());
  });
});

describe('installable app', () => {
  it('links a manifest named Sahti / صحتي with PNG icons of several sizes', async () => {
    const { page } = await open('manifest');
    await page.goto(`${base}/login`);
    const href = await page.locator('link[rel="manifest"]').getAttribute('href');
    assert.equal(href, '/manifest.webmanifest');
    const manifest = await (await page.request.get(`${base}${href}`)).json();
    assert.equal(manifest.name, 'Sahti — صحتي');
    assert.equal(manifest.start_url, '/');
    assert.equal(manifest.display, 'standalone');
    const sizes = manifest.icons.filter((i: any) => i.type === 'image/png').map((i: any) => i.sizes);
    assert.ok(sizes.includes('192x192') && sizes.includes('512x512'));
    assert.ok(manifest.icons.some((i: any) => i.purpose === 'maskable'));
    for (const icon of manifest.icons) {
      const response = await page.request.get(`${base}${icon.src}`);
      assert.equal(response.status(), 200, icon.src);
      assert.equal(response.headers()['content-type'], icon.type, icon.src);
    }
  });

  it('keeps the shell: a return visit offline still starts; no API answer is ever kept', async () => {
    const { page, context } = await open('offline');
    await signInPatient(page, base);
    await settle(page);
    // the worker installs after the first load and takes over this page
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
      if (!navigator.serviceWorker.controller) {
        await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve));
      }
    });
    await page.getByRole('link', { name: portalFr.record.title }).first().click();
    await settle(page);
    const kept = await page.evaluate(async () => {
      const urls: string[] = [];
      for (const name of await caches.keys()) {
        const cache = await caches.open(name);
        for (const request of await cache.keys()) urls.push(new URL(request.url).pathname);
      }
      return urls;
    });
    assert.ok(kept.includes('/'), 'the shell is kept');
    assert.ok(
      kept.some((u) => u.startsWith('/assets/') && u.endsWith('.js')),
      'the code is kept',
    );
    const api = kept.filter((u) => /^\/(fhir|api|auth|oauth2|\.well-known|healthz)(\/|$)/.test(u));
    assert.deepEqual(api, [], 'no API answer in the cache');

    await context.setOffline(true);
    await page.goto(`${base}/portal/record`);
    // the shell and its code come from the worker; the header renders (the data cannot come)
    await page.locator('.header__brand').waitFor();
    await page.getByText(commonFr.layout.offline).waitFor();
    assert.equal(await page.title().then((t) => t.length > 0), true);
    await context.setOffline(false);
  });
});

describe('console', () => {
  it('no console error nor uncaught exception on any page', () => {
    assert.deepEqual(errors, []);
  });
});
