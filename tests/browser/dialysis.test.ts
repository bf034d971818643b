/**
 * Guest dialysis end to end in Debian's Chromium, on the demo data: the demo dialysis patient of
 * Rabat plans a week in Agadir, is told her hepatitis C serology is too old, adds a fresh result;
 * her home nephrologist approves; she sends the request with her summary; the Agadir coordinator
 * sees it arrive on her open page (live feed, no reload), accepts with the proposed chairs and
 * shifts; she confirms the sessions. Then, on the demo's stays that a real clock allows (one under
 * way since yesterday, one over weeks ago: dialysis/demo-stays.ts): the Agadir nurse checks in
 * today's session and records it, the home nephrologist reads it (in Arabic too), the end-of-stay
 * letter reaches her, and the Agadir staff are refused the record of the patient whose stay is over.
 * The main screens in French and Arabic get an axe-core check and a screenshot
 * (test-results/screenshots/<backend>/).
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
import { sessionIsDue } from '../../packages/web/src/dialysis/rules.ts';
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
// a TOTP code is taken once: the nephrologist signs in once and her later pages reuse the session
let nephrologistSession: Awaited<ReturnType<BrowserContext['storageState']>>;
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
    nephrologistSession = await nephrologist.context().storageState();
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
});

interface ListedStay {
  id: string;
  state: string;
  patient: { reference: string; name: string };
}

/** The stays a signed-in clinician's page lists, through the API with the page's session. */
async function listed(page: Page, list: 'incoming' | 'followed'): Promise<ListedStay[]> {
  const res = await page.request.get(`${base}/api/dialysis/stays`);
  assert.equal(res.status(), 200);
  return ((await res.json()) as Record<string, ListedStay[]>)[list];
}

describe('during and after a stay in Agadir', () => {
  let nephrologist: Page;
  let underWay: ListedStay;
  let over: ListedStay;

  it('the Agadir nurse checks in today’s session and records it', async () => {
    await coordinator.goto(`${base}/clinician/dialysis`);
    const incoming = await listed(coordinator, 'incoming');
    underWay = incoming.find((s) => s.state === 'in-progress') as ListedStay;
    over = incoming.find((s) => s.state === 'completed') as ListedStay;
    assert.ok(underWay && over, 'the demo has a stay under way and one over in Agadir');
    await coordinator
      .getByTestId('dialysis-incoming')
      .locator('tr[data-state="in-progress"]')
      .getByRole('link')
      .click();
    await coordinator.getByTestId('stay-state').getByText('En cours').waitFor();
    const sessions = coordinator.getByTestId('dialysis-sessions').locator('li');
    // yesterday's session came back recorded; today's is offered, and a later one only once it
    // starts within 36 hours (in the evening, the day after tomorrow's morning session is)
    await sessions.first().getByTestId('session-record').waitFor();
    const stay = await coordinator.request.get(`${base}/api/dialysis/stays/${underWay.id}`);
    const due = ((await stay.json()) as { sessions: { start: string; status: string }[] }).sessions.filter(
      (s) => s.status === 'booked' && sessionIsDue(s.start),
    );
    assert.ok(due.length >= 1 && due.length <= 2, JSON.stringify(due));
    assert.equal(await coordinator.getByRole('button', { name: 'Arrivée du patient' }).count(), due.length);
    const today = sessions.nth(1);
    await today.getByRole('button', { name: 'Arrivée du patient' }).click();
    await coordinator.locator('[data-testid="dialysis-sessions"] li[data-status="arrived"]').waitFor();
    await today.getByRole('button', { name: 'Saisir la séance' }).click();
    await today.getByRole('button', { name: 'Enregistrer la séance' }).click();
    // the form says what is missing, next to the field
    await today.getByText('Saisissez le poids avant la séance, en kg').first().waitFor();
    await check(coordinator, 'dialysis-session-form-errors-fr');
    for (const [label, value] of [
      ['Poids avant (kg)', '71,8'],
      ['Poids après (kg)', '69,6'],
      ['Tension avant, systolique', '152'],
      ['Tension avant, diastolique', '86'],
      ['Tension après, systolique', '131'],
      ['Tension après, diastolique', '77'],
      ['Ultrafiltration (mL)', '2200'],
    ])
      await today.getByLabel(label, { exact: true }).fill(value);
    await today.getByLabel('Incidents (un par ligne)').fill('Hypotension à la 3e heure, corrigée');
    await today
      .getByLabel('Médicaments donnés (un par ligne : nom — dose)')
      .fill('Époétine alfa 4000 UI — 1 injection IV');
    await today.getByRole('button', { name: 'Enregistrer la séance' }).click();
    await today.getByTestId('session-record').waitFor();
    assert.equal(await today.getAttribute('data-status'), 'fulfilled');
    assert.match((await today.getByTestId('session-record').textContent()) ?? '', /71,8.*69,6.*2[\s.]?200/);
    await check(coordinator, 'dialysis-session-recorded-fr');
  });

  it('in Arabic the session record reads right to left', async () => {
    const arabic = await open('coordinator-ar', 'ar', await coordinator.context().storageState());
    await arabic.goto(`${base}/clinician/dialysis/stays/${underWay.id}`);
    await arabic.getByTestId('dialysis-sessions').getByTestId('session-record').nth(1).waitFor();
    assert.equal(await arabic.locator('html').getAttribute('dir'), 'rtl');
    assert.match((await arabic.getByTestId('session-record').nth(1).textContent()) ?? '', /الوزن/);
    await check(arabic, 'dialysis-session-recorded-ar');
  });

  it('the home nephrologist sees the sessions recorded in Agadir as they come back', async () => {
    nephrologist = await open('nephrologist-home', undefined, nephrologistSession);
    assert.ok((await listed(nephrologist, 'followed')).some((s) => s.id === underWay.id));
    await nephrologist.goto(`${base}/clinician/dialysis`);
    await nephrologist
      .getByTestId('dialysis-followed')
      .locator('tr[data-state="in-progress"]')
      .getByRole('link')
      .click();
    const records = nephrologist.getByTestId('session-record');
    await records.nth(1).waitFor();
    assert.match((await records.nth(1).textContent()) ?? '', /71,8.*69,6.*152\/86.*2[\s.]?200.*Hypotension/);
    // at home nothing is recorded or checked in
    assert.equal(await nephrologist.getByRole('button', { name: 'Saisir la séance' }).count(), 0);
    await check(nephrologist, 'dialysis-home-sessions-fr');
  });

  it('the Agadir nurse closes the stay with a letter; it reaches the home nephrologist', async () => {
    await coordinator.getByRole('button', { name: 'Envoyer la lettre et clore le séjour' }).click();
    await coordinator.getByText('Décrivez le déroulement du séjour').first().waitFor();
    await coordinator
      .getByLabel('Déroulement du séjour')
      .fill('Deux séances à Agadir, une hypotension corrigée.\nRetour à Rabat comme prévu.');
    await coordinator.getByLabel('Recommandations').fill('Revoir le poids sec.');
    await coordinator.getByRole('button', { name: 'Envoyer la lettre et clore le séjour' }).click();
    await coordinator.getByTestId('stay-state').getByText('Terminée').waitFor();
    await coordinator.getByTestId('dialysis-letter').waitFor();
    await nephrologist.reload();
    const letter = nephrologist.getByTestId('dialysis-letter');
    await letter.waitFor();
    assert.match((await letter.textContent()) ?? '', /hypotension corrigée.*Revoir le poids sec/s);
    await check(nephrologist, 'dialysis-home-letter-fr');
    const arabic = await open('nephrologist-ar', 'ar', await nephrologist.context().storageState());
    await arabic.goto(`${base}/clinician/dialysis/stays/${underWay.id}`);
    await arabic.getByTestId('dialysis-letter').waitFor();
    await check(arabic, 'dialysis-home-letter-ar');
  });

  it('after the stay the Agadir staff are refused the patient’s record, with a page that says so', async () => {
    // during the follow-up after the letter, the record still opens
    await coordinator.getByRole('link', { name: 'Ouvrir le dossier du patient' }).click();
    await coordinator.waitForURL(/\/clinician\/patients\//);
    await coordinator.getByTestId('patient-banner').waitFor();
    // the stay over weeks ago: its page opens (the centre's own sessions), the record does not
    await coordinator.goto(`${base}/clinician/dialysis/stays/${over.id}`);
    await coordinator.getByTestId('stay-state').getByText('Terminée').waitFor();
    await coordinator.getByTestId('dialysis-letter').waitFor();
    await coordinator.getByRole('link', { name: 'Ouvrir le dossier du patient' }).click();
    await coordinator.waitForURL(/\/clinician\/patients\//);
    await coordinator
      .getByText('Ce dossier n’existe pas ou ce patient n’est pas suivi par vous : vous n’y avez pas accès.')
      .waitFor();
    assert.equal(await coordinator.getByTestId('patient-banner').count(), 0);
    await check(coordinator, 'dialysis-ended-record-refused-fr');
    // and through the API: the record, its sessions and the summary sent ahead are closed
    const id = over.patient.reference;
    assert.equal((await coordinator.request.get(`${base}/fhir/R4/${id}`)).status(), 404);
    const procedures = await coordinator.request.get(`${base}/fhir/R4/Procedure?patient=${id}`);
    assert.equal(((await procedures.json()) as { entry?: unknown[] }).entry?.length ?? 0, 0);
    assert.equal(
      (await coordinator.request.get(`${base}/api/dialysis/stays/${over.id}/summary`)).status(),
      403,
    );
    // while the home nephrologist still reads it
    assert.equal((await nephrologist.request.get(`${base}/fhir/R4/${id}`)).status(), 200);
  });

  it('no serious accessibility finding, no page error', () => {
    assert.deepEqual(blocking, []);
    assert.deepEqual(errors, []);
  });
});
