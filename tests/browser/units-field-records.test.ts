/**
 * The field app's clinical records in Debian's Chromium against the demo platform: the demo GP
 * prepares the day, then with the network cut records for a new patient an ECG from the device's
 * CSV export, a photo, a prescription and a referral to a nearby facility; back online one sync
 * sends them, the prescription is signed on arrival, and everything reads back through the FHIR
 * API. The forms are photographed in French and in Arabic (right to left) on a phone.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { fhirFetch, type TestServer } from '../support/server.ts';
import {
  DEMO_DOCTOR,
  ensureWebBuilt,
  launchChromium,
  newContext,
  SCREENSHOTS,
  signInStaff,
  startDemoServer,
  watchErrors,
} from './support/browser.ts';

let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const errors: string[] = [];
const family = `Ecg${randomBytes(2).toString('hex')}`;
/** A two-lead strip as the ECG device exports it: a header, one row per sample. */
const ECG_CSV = `I;II\n${Array.from({ length: 40 }, (_, i) => `${Math.sin(i / 3).toFixed(3)};${Math.cos(i / 3).toFixed(3)}`).join('\n')}\n`;
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

before(async () => {
  ensureWebBuilt();
  server = await startDemoServer();
  browser = await launchChromium();
  mkdirSync(SCREENSHOTS, { recursive: true });
  // the field app works offline through its service worker, as on a unit's tablet
  context = await newContext(browser, { serviceWorkers: 'allow' });
  page = await context.newPage();
  page.setDefaultTimeout(20_000);
  watchErrors(page, errors, 'field-records');
});
after(async () => {
  await context?.close();
  await browser?.close();
  await server?.close();
});

describe('clinical records offline', () => {
  it('records an ECG, a photo, a prescription and a referral with no network', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await signInStaff(page, server.url, DEMO_DOCTOR, '/clinician');
    await page.goto(`${server.url}/field`);
    await page.getByLabel('Choisissez votre unité').selectOption({ label: 'Unité mobile Taroudant 1' });
    await page.getByRole('button', { name: 'Préparer la journée' }).click();
    await page.getByText(/Journée préparée le/).waitFor();

    await context.setOffline(true);
    await page.getByText(/Hors ligne : tout est enregistré/).waitFor();
    await page.locator('#family').fill(family);
    await page.locator('#given').fill('Fatima');
    await page.locator('#birthDate').fill('1968-02-03');
    await page.getByRole('button', { name: 'Enregistrer', exact: true }).click();
    await page.getByRole('button', { name: `Fatima ${family}` }).click();

    await page
      .locator('#ecgFile')
      .setInputFiles({ name: 'ecg.csv', mimeType: 'text/csv', buffer: Buffer.from(ECG_CSV) });
    await page.getByRole('button', { name: 'Enregistrer l’ECG' }).click();
    await page.getByText('ECG enregistré sur l’appareil').waitFor();

    await page
      .locator('#photoFile')
      .setInputFiles({ name: 'lesion.png', mimeType: 'image/png', buffer: PNG });
    await page.locator('#photoNote').fill('Lésion de l’avant-bras');
    await page.getByRole('button', { name: 'Enregistrer la photo' }).click();
    await page.getByText(/Photo enregistrée sur l’appareil/).waitFor();

    await page.locator('#medicine').selectOption({ index: 0 });
    await page.locator('#dosage').fill('1 comprimé 3 fois par jour');
    await page.locator('#quantity').fill('2');
    await page.getByRole('button', { name: 'Ajouter à l’ordonnance' }).click();
    await page
      .getByTestId('prescription-items')
      .getByText(/1 comprimé 3 fois par jour/)
      .waitFor();
    await page.getByRole('button', { name: 'Enregistrer l’ordonnance' }).click();
    await page.getByText(/Ordonnance enregistrée/).waitFor();

    const facility = (await page.locator('#facility option').first().textContent()) ?? '';
    assert.match(facility, / — \d+ km$/, 'facilities kept offline, with their distance');
    await page.locator('#referralPriority').selectOption('urgent');
    await page.locator('#reason').fill('Douleur thoracique d’effort, ECG à interpréter');
    await page.getByRole('button', { name: 'Enregistrer l’orientation' }).click();
    await page.getByText(/Orientation vers .* enregistrée/).waitFor();

    // patient, the consultation made for them, ECG, photo, prescription, referral
    await page.getByText('6 enregistrements en attente de synchronisation').waitFor();
    const count = await fhirFetch(server.fhirBase, `/Patient?family=${family}&_summary=count`);
    assert.equal(count.body.total, 0, 'nothing reached the server');
    await page.locator('h3', { hasText: 'ECG' }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SCREENSHOTS, 'units-field-records-fr-phone.png'), fullPage: true });
  });

  it('synchronises them once back online, the prescription signed, all readable through FHIR', async () => {
    await context.setOffline(false);
    await page.getByRole('button', { name: 'Synchroniser' }).click();
    await page.getByText(/Synchronisé : 6 créés/).waitFor();
    await page.getByText('0 enregistrements en attente de synchronisation').waitFor();

    const patient = (await fhirFetch(server.fhirBase, `/Patient?family=${family}`)).body.entry[0].resource;
    const subject = `Patient/${patient.id}`;
    const read = async (path: string) => (await fhirFetch(server.fhirBase, path)).body.entry ?? [];
    const [encounter] = await read(`/Encounter?subject=${subject}`);
    assert.ok(encounter, 'the consultation the records hang on');
    const encounterRef = `Encounter/${encounter.resource.id}`;
    const [ecg] = await read(`/Observation?subject=${subject}&code=http://loinc.org|11524-6`);
    assert.equal(ecg.resource.valueSampledData.dimensions, 2);
    assert.equal(ecg.resource.valueSampledData.data.split(' ').length, 80);
    assert.equal(ecg.resource.valueSampledData.period, 2, '500 Hz');
    assert.match(ecg.resource.device.reference, /^Device\//);
    assert.equal(ecg.resource.encounter.reference, encounterRef);
    const [media] = await read(`/Media?subject=${subject}`);
    assert.equal(media.resource.content.contentType, 'image/jpeg', 'downscaled through a canvas');
    assert.equal(media.resource.encounter.reference, encounterRef);
    assert.match(media.resource.device.reference, /^Device\//);
    const [rx] = await read(`/MedicationRequest?subject=${subject}`);
    assert.equal(rx.resource.status, 'active', 'signed when synchronised');
    assert.equal(rx.resource.dispenseRequest.quantity.value, 2);
    const provenance = await read(`/Provenance?target=MedicationRequest/${rx.resource.id}`);
    assert.equal(provenance.length, 1);
    assert.equal(provenance[0].resource.signature[0].sigFormat, 'application/jose');
    const [referral] = await read(`/ServiceRequest?subject=${subject}`);
    assert.equal(referral.resource.priority, 'urgent');
    assert.match(referral.resource.performer[0].reference, /^Organization\//);
    assert.equal(referral.resource.encounter.reference, encounterRef);
  });

  it('shows the forms right to left in Arabic', async () => {
    await page.evaluate(() => window.localStorage.setItem('sahti.language', 'ar'));
    await page.reload();
    await page.locator('h1').first().waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.dir), 'rtl');
    await page.getByRole('button', { name: `Fatima ${family}` }).click();
    await page.getByRole('button', { name: 'حفظ تخطيط القلب' }).waitFor();
    await page.getByRole('button', { name: 'إضافة إلى الوصفة' }).waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'units-field-records-ar-phone.png'), fullPage: true });
    await page.evaluate(() => window.localStorage.setItem('sahti.language', 'fr'));
    assert.deepEqual(
      errors.filter((e) => !/Failed to load|net::ERR/.test(e)),
      [],
    );
  });
});
