/**
 * Guest dialysis end to end in Debian's Chromium, on the demo data: the demo dialysis patient of
 * Rabat plans a week in Agadir, is told her hepatitis C serology is too old, adds a fresh result;
 * her home nephrologist approves; she sends the request with her summary; the Agadir coordinator
 * sees it arrive on her open page (live feed, no reload), accepts with the proposed chairs and
 * shifts; she confirms the sessions. The main screens in French and Arabic get an axe-core check
 * and a screenshot (test-results/screenshots/<backend>/).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  DEMO_DESTINATION_LOGIN,
  DEMO_DIALYSIS_PATIENT_CNIE,
  DEMO_HOME_NEPHROLOGIST_LOGIN,
} from '../../packages/server/src/modules/dialysis/demo.ts';
import { addDays, localDate } from '../../packages/server/src/modules/scheduling/calendar.ts';
import type { TestServer } from '../support/server.ts';
import {
  type AxeViolation,
  describeViolation,
  ensureWebBuilt,
  isBlocking,
  launchChromium,
  newContext,
  runAxe,
  screenshot,
  settle,
  signInPatient,
  signInStaff,
  startDemoServer,
  watchErrors,
} from './support/browser.ts';

let server: TestServer;
let browser: Browser;
let base: string;
const contexts: BrowserContext[] = [];
const errors: string[] = [];
const blocking: string[] = [];
const shots: string[] = [];
let patient: Page;
let coordinator: Page;
let stayUrl = '';
// after the demo centres' notice (a week at most), within the slots derived at the first start
const arrival = addDays(localDate(new Date()), 9);
const departure = addDays(arrival, 6);

async function open(
  name: string,
  language?: 'fr' | 'ar',
  state?: Awaited<ReturnType<BrowserContext['storageState']>>,
): Promise<Page> {
  const context = await newContext(browser, {
    ...(language ? { language } : {}),
    ...(state ? { state } : {}),
  });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  watchErrors(page, errors, name);
  return page;
}

async function check(page: Page, name: string): Promise<void> {
  await settle(page);
  const { violations } = await runAxe(page);
  for (const v of violations as AxeViolation[]) if (isBlocking(v)) blocking.push(describeViolation(name, v));
  shots.push(await screenshot(page, server.backend, name));
}

before(async () => {
  ensureWebBuilt();
  server = await startDemoServer();
  base = server.url;
  browser = await launchChromium();
});
after(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await server?.close();
  if (shots.length) console.log(`screenshots:\n  ${shots.join('\n  ')}`);
});

describe('a patient in Rabat plans a week in Agadir', () => {
  it('finds Agadir at her rhythm and asks for it', async () => {
    patient = await open('patient');
    await signInPatient(patient, base, DEMO_DIALYSIS_PATIENT_CNIE);
    await patient.goto(`${base}/portal/dialysis`);
    await patient.getByLabel('Ville où vous séjournez').fill('Agadir');
    await patient.getByLabel('Arrivée').fill(arrival);
    await patient.getByLabel('Départ').fill(departure);
    await patient.getByRole('button', { name: 'Chercher un centre' }).click();
    const results = patient.getByTestId('dialysis-results');
    await results.getByRole('heading', { level: 3 }).first().waitFor();
    const first = await results.locator('.card').first().textContent();
    assert.match(first ?? '', /Agadir|Melloul|Inezgane/i);
    await check(patient, 'dialysis-trip-fr');
    await results.getByRole('button', { name: 'Demander ce centre' }).first().click();
    await patient.waitForURL(/\/portal\/dialysis\/stays\//);
    stayUrl = new URL(patient.url()).pathname;
  });

  it('is told the hepatitis C serology is too old, and adds a fresh result', async () => {
    const hcv = patient.locator('[data-item="serology-hcv"]');
    await hcv.waitFor();
    assert.equal(await hcv.getAttribute('data-status'), 'expired');
    assert.match((await hcv.textContent()) ?? '', /Trop ancien/);
    await check(patient, 'dialysis-stay-checks-fr');
    const form = patient.getByTestId('dialysis-add-result');
    await form.getByLabel('Examen', { exact: true }).selectOption('hcv');
    await form.getByLabel('Date du prélèvement ou de l’examen').fill(localDate(new Date()));
    await form.getByLabel('Négatif').check();
    await form.getByRole('button', { name: 'Ajouter le résultat' }).click();
    await patient.locator('[data-item="serology-hcv"][data-status="ok"]').waitFor();
  });

  it('her home nephrologist approves the stay', async () => {
    const nephrologist = await open('nephrologist');
    await signInStaff(nephrologist, base, DEMO_HOME_NEPHROLOGIST_LOGIN, '/clinician');
    await nephrologist.goto(`${base}/clinician/dialysis`);
    await nephrologist.getByTestId('dialysis-followed').getByRole('link').first().click();
    await nephrologist.getByRole('button', { name: 'Approuver ce séjour' }).click();
    await nephrologist.locator('[data-item="approval"][data-status="ok"]').waitFor();
  });

  it('sends the request with her summary; the Agadir coordinator’s open page lists it live', async () => {
    // the coordinator's page is open before the request leaves, and is never reloaded
    coordinator = await open('coordinator');
    await signInStaff(coordinator, base, DEMO_DESTINATION_LOGIN, '/clinician');
    await coordinator.goto(`${base}/clinician/dialysis`);
    await coordinator.getByRole('heading', { level: 1 }).waitFor();
    await settle(coordinator);
    const incoming = coordinator.getByTestId('dialysis-incoming').getByRole('link');
    const before = await incoming.count();
    await patient.reload();
    await patient.locator('[data-item="approval"][data-status="ok"]').waitFor();
    await patient.getByRole('button', { name: 'Envoyer la demande' }).click();
    await patient.getByText('Cochez la case pour partager votre résumé').first().waitFor();
    await patient.getByLabel(/J’accepte que mon résumé médical soit transmis/).check();
    await patient.getByRole('button', { name: 'Envoyer la demande' }).click();
    await patient.getByTestId('stay-state').getByText('Envoyée, en attente du centre').waitFor();
    await coordinator.waitForFunction(
      (n) => document.querySelectorAll('[data-testid="dialysis-incoming"] a').length > n,
      before,
      { timeout: 30_000 },
    );
  });

  it('the Agadir coordinator reads the summary, accepts with a chair and shift per session', async () => {
    await coordinator.getByTestId('dialysis-incoming').getByRole('link').first().click();
    await coordinator.getByTestId('dialysis-assign').getByRole('combobox').first().waitFor();
    await check(coordinator, 'dialysis-review-fr');
    await coordinator.getByRole('link', { name: 'Lire le résumé envoyé' }).click();
    await coordinator.getByTestId('dialysis-summary').getByRole('heading', { name: 'Hémodialyse' }).waitFor();
    await coordinator.goBack();
    await coordinator.getByRole('button', { name: 'Accepter et réserver les fauteuils' }).click();
    await coordinator.getByTestId('stay-state').getByText('Acceptée, à confirmer').waitFor();
    assert.ok((await coordinator.getByTestId('dialysis-sessions').locator('li').count()) >= 2);
  });

  it('she confirms the sessions; in Arabic the stay and the summary read right to left', async () => {
    await patient.reload();
    await patient.getByRole('button', { name: 'Confirmer le séjour' }).click();
    await patient.getByTestId('stay-state').getByText('Confirmée').waitFor();
    const sessions = patient.getByTestId('dialysis-sessions').locator('li');
    assert.ok((await sessions.count()) >= 2);
    assert.equal(
      await patient.getByTestId('dialysis-sessions').locator('li[data-status="booked"]').count(),
      await sessions.count(),
    );
    await check(patient, 'dialysis-stay-confirmed-fr');
    // the same session, the app in Arabic
    const arabic = await open('patient-ar', 'ar', await patient.context().storageState());
    await arabic.goto(`${base}${stayUrl}`);
    await arabic.getByTestId('stay-state').waitFor();
    assert.equal(await arabic.locator('html').getAttribute('dir'), 'rtl');
    await check(arabic, 'dialysis-stay-ar');
    await arabic.goto(`${base}${stayUrl}/summary`);
    await arabic.getByTestId('dialysis-summary').waitFor();
    assert.equal(await arabic.getByTestId('dialysis-summary').getAttribute('dir'), 'rtl');
    await check(arabic, 'dialysis-summary-ar');
    await arabic.goto(`${base}/portal/dialysis`);
    await check(arabic, 'dialysis-trip-ar');
  });

  it('no serious accessibility finding, no page error', () => {
    assert.deepEqual(blocking, []);
    assert.deepEqual(errors, []);
  });
});
