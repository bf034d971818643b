/**
 * What a first user met on the sharing screens, in Debian's Chromium against the real platform with
 * the demo data, each as a test that would have caught it:
 *
 * - the carer picker finds "Ibn Rochd" (its own example) by a word inside the name, tells the
 *   three "Hôpital Hassan II" apart by their city, and shows a practitioner's specialty and facility;
 * - opting out of national sharing is not one tap: the page asks, says what it changes, and a
 *   "no" writes nothing;
 * - emergency access where it is needed: a doctor whose CNIE search finds no one in their care
 *   starts break-the-glass from the search, sees the patient's name and age before confirming,
 *   and the patient finds the alert on their home page (in Arabic);
 * - both in French and Arabic (right to left), with no element wider than a 390 px phone screen,
 *   axe-core (no serious or critical violation) and screenshots.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Bundle, CodeableConcept, Practitioner, PractitionerRole } from '@medplum/fhirtypes';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ar as commonAr } from '../../packages/web/src/app/i18n/ar.ts';
import { fr as commonFr } from '../../packages/web/src/app/i18n/fr.ts';
import { fr as clinicalFr } from '../../packages/web/src/clinical/i18n/fr.ts';
import { fr as clinicianFr } from '../../packages/web/src/clinician/i18n/fr.ts';
import { buildConsent } from '../../packages/web/src/portal/consent.ts';
import { ar as portalAr } from '../../packages/web/src/portal/i18n/ar.ts';
import { fr as portalFr } from '../../packages/web/src/portal/i18n/fr.ts';
import { specialtyLabel } from '../../packages/web/src/terms/index.ts';
import { fhirFetch, type TestServer } from '../support/server.ts';
import {
  DEMO_DOCTOR,
  DEMO_PATIENT_CNIE,
  describeViolation,
  ensureWebBuilt,
  isBlocking,
  launchChromium,
  newContext,
  phoneOverflow,
  runAxe,
  screenshot,
  settle,
  signInPatient,
  signInStaff,
  startDemoServer,
  watchErrors,
} from './support/browser.ts';

type StorageState = Awaited<ReturnType<BrowserContext['storageState']>>;

let server: TestServer;
let browser: Browser;
let base: string;
let patientState: StorageState;
/** A demo practitioner with a specialty, to look for by name. */
let known: { family: string; specialty: CodeableConcept };
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];
const blocking: string[] = [];

async function open(language: 'fr' | 'ar', name: string): Promise<Page> {
  const context = await newContext(browser, { language, state: patientState });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  watchErrors(page, pageErrors, name);
  return page;
}

/** axe on the page as it is, a screenshot, and no element wider than a phone's screen. */
async function check(page: Page, name: string) {
  await settle(page);
  for (const v of (await runAxe(page)).violations)
    if (isBlocking(v)) blocking.push(describeViolation(name, v));
  await screenshot(page, server.backend, name);
  const { overflow, culprits } = await phoneOverflow(page);
  assert.ok(
    overflow <= 0,
    `${name}: the page is ${overflow}px wider than a 390 px screen: ${culprits.join(', ')}`,
  );
  await screenshot(page, server.backend, `${name}-phone`);
  await page.setViewportSize({ width: 1280, height: 900 });
}

before(async () => {
  ensureWebBuilt();
  server = await startDemoServer();
  base = server.url;
  browser = await launchChromium();
  const directory = await fhirFetch(
    server.fhirBase,
    '/Practitioner?_revinclude=PractitionerRole:practitioner&_count=100',
  );
  const entries = (directory.body as Bundle).entry ?? [];
  const roles = entries.map((e) => e.resource).filter((r) => r?.resourceType === 'PractitionerRole');
  for (const e of entries) {
    const p = e.resource as Practitioner;
    if (p.resourceType !== 'Practitioner') continue;
    const role = (roles as PractitionerRole[]).find(
      (r) => r.practitioner?.reference === `Practitioner/${p.id}` && r.specialty?.[0]?.text,
    );
    const family = p.name?.find((n) => n.family && /^[A-Za-z -]+$/.test(n.family))?.family;
    if (role && family) {
      known = { family, specialty: role.specialty![0] };
      break;
    }
  }
  assert.ok(known, 'the demo directory has a practitioner with a specialty');
  const context = await newContext(browser);
  const page = await context.newPage();
  await signInPatient(page, base, DEMO_PATIENT_CNIE);
  patientState = await context.storageState();
  await context.close();
});

after(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await server?.close();
});

/** Searches the picker for `name` among `kind` and returns the labels of the choices offered. */
async function pick(page: Page, language: 'fr' | 'ar', kind: 'practitioner' | 'organization', name: string) {
  const t = language === 'fr' ? portalFr : portalAr;
  const common = language === 'fr' ? commonFr : commonAr;
  const choices = page.locator('fieldset').filter({ hasText: t.newConsent.choose }).locator('label.choice');
  const before = JSON.stringify(await choices.allInnerTexts());
  await page.getByLabel(t.newConsent[kind], { exact: true }).check();
  await page.getByLabel(t.newConsent.search, { exact: true }).fill(name);
  await page.getByRole('button', { name: common.actions.search, exact: true }).click();
  await page.waitForLoadState('networkidle');
  await choices.first().waitFor();
  // the previous search's choices stay on screen until this one's answer is drawn: wait for the change
  for (let waited = 0; waited < 15_000; waited += 100) {
    const labels = await choices.allInnerTexts();
    if (labels.length > 0 && JSON.stringify(labels) !== before) return labels;
    await page.waitForTimeout(100);
  }
  return choices.allInnerTexts();
}

describe('choosing a carer to allow or block', () => {
  for (const language of ['fr', 'ar'] as const) {
    it(`finds "Ibn Rochd", tells the Hassan II hospitals apart by city, shows a specialty (${language})`, async () => {
      const page = await open(language, `consent-picker-${language}`);
      await page.goto(`${base}/portal/consents/new`);
      await settle(page);
      assert.equal(await page.locator('html').getAttribute('dir'), language === 'ar' ? 'rtl' : 'ltr');

      const rochd = await pick(page, language, 'organization', 'Ibn Rochd');
      const chu = rochd.find((l) => /Ibn Rochd/.test(l));
      assert.ok(chu, `"Ibn Rochd" finds the CHU: ${JSON.stringify(rochd)}`);
      assert.match(chu, /Casablanca/);

      const hassan = await pick(page, language, 'organization', 'Hassan II');
      const named = hassan.filter((l) => /Hôpital Hassan II/.test(l));
      assert.ok(named.length >= 3, JSON.stringify(hassan));
      for (const city of ['Agadir', 'Khouribga', 'Dakhla'])
        assert.ok(
          named.some((l) => l.includes(city)),
          `${city} tells one apart: ${JSON.stringify(named)}`,
        );

      // the name in the reader's script: Latin in French, the Arabic form the record has in Arabic
      const doctors = await pick(page, language, 'practitioner', known.family);
      // the specialty from its code, in the reader's language (not the French text beside it)
      const specialty = specialtyLabel(language, known.specialty);
      const withSpecialty = doctors.filter((l) => l.includes(specialty));
      assert.ok(withSpecialty.length > 0, `"${specialty}": ${JSON.stringify(doctors)}`);
      // any spelling matches ("El Amrani" also finds "Amrani"): the doctor sought is among them
      if (language === 'fr')
        assert.ok(
          withSpecialty.some((l) => l.includes(known.family)),
          `${known.family}: ${JSON.stringify(withSpecialty)}`,
        );
      else for (const label of withSpecialty) assert.match(label, /\p{Script=Arabic}/u);
      await check(page, `first-user-consent-picker-${language}`);
    });
  }
});

describe('opting out of national sharing', () => {
  for (const language of ['fr', 'ar'] as const) {
    it(`asks first and says what it changes; "no" writes nothing (${language})`, async () => {
      const t = language === 'fr' ? portalFr : portalAr;
      const page = await open(language, `opt-out-${language}`);
      await page.goto(`${base}/portal/consents`);
      const card = page.getByTestId('national-sharing');
      await card.getByText(t.consents.nationalOn).waitFor();
      await card.getByRole('button', { name: t.consents.optOut, exact: true }).click();
      const confirm = page.getByTestId('opt-out-confirm');
      for (const text of Object.values(t.consents.optOutConfirm).slice(0, 4))
        await confirm.getByText(text).waitFor();
      await check(page, `first-user-opt-out-confirm-${language}`);
      await confirm.getByRole('button', { name: t.consents.optOutConfirm.cancel, exact: true }).click();
      await card.getByRole('button', { name: t.consents.optOut, exact: true }).waitFor();
      const consents = await fhirFetch(server.fhirBase, '/Consent?status=active&_count=200');
      const optOuts = ((consents.body as Bundle).entry ?? []).filter(
        (e) =>
          e.resource?.resourceType === 'Consent' &&
          e.resource.provision?.type === 'deny' &&
          !e.resource.provision.actor?.length,
      );
      assert.equal(optOuts.length, 0, 'cancelling wrote no opt-out');

      // confirmed, it takes effect; then the patient opts back in
      await card.getByRole('button', { name: t.consents.optOut, exact: true }).click();
      await confirm.getByRole('button', { name: t.consents.optOutConfirm.confirm, exact: true }).click();
      await card.getByText(t.consents.nationalOff).waitFor();
      await card.getByRole('button', { name: t.consents.optIn, exact: true }).click();
      await card.getByText(t.consents.nationalOn).waitFor();
    });
  }
});

describe('emergency access from the search', () => {
  it('the doctor sees name and age for a CNIE before confirming; the patient is alerted at home (ar)', async () => {
    const reason = 'Patiente inconsciente aux urgences, antécédents inconnus';
    // the patient blocks the demo doctor (only the patient's own Consent counts): their CNIE
    // search then finds no one in their care
    const patients = await fhirFetch(server.fhirBase, `/Patient?identifier=${DEMO_PATIENT_CNIE}`);
    const patientId = patients.body.entry[0].resource.id as string;
    const { rows } = await server.platform.db.query<{ fhir_user: string }>(
      'SELECT fhir_user FROM auth_account WHERE login = $1',
      [DEMO_DOCTOR],
    );
    const home = await open('ar', 'patient-alert-ar');
    const me = (await (await home.request.get(`${base}/auth/me`)).json()) as { csrfToken: string };
    const asPatient = { 'x-csrf-token': me.csrfToken, 'content-type': 'application/fhir+json' };
    const block = await home.request.post(`${base}/fhir/R4/Consent`, {
      headers: asPatient,
      data: JSON.stringify(
        buildConsent({ patientId, effect: 'deny', actor: { reference: rows[0].fhir_user } }),
      ),
    });
    assert.equal(block.status(), 201, await block.text());
    const blockId = ((await block.json()) as { id: string }).id;
    try {
      const context = await newContext(browser);
      contexts.push(context);
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      watchErrors(page, pageErrors, 'doctor');
      await signInStaff(page, base, DEMO_DOCTOR, '/clinician');
      await page.getByLabel(clinicianFr.find.query).fill(DEMO_PATIENT_CNIE);
      await page.getByRole('button', { name: commonFr.actions.search, exact: true }).click();
      await settle(page);
      await screenshot(page, server.backend, 'first-user-break-glass-search-fr');
      const panel = page.getByTestId('emergency-access');
      await panel.getByRole('button', { name: clinicalFr.breakGlass.check }).click();
      assert.match((await page.getByTestId('emergency-identity').textContent()) ?? '', /Zerouali/);
      const shown = (await panel.textContent()) ?? '';
      assert.match(shown, /\(\d+ ans\)/, `the age is shown: ${shown}`);
      await check(page, 'first-user-break-glass-identity-fr');
      await panel.getByLabel(clinicianFr.breakGlass.reason).fill(reason);
      await panel.getByRole('button', { name: clinicalFr.breakGlass.confirm }).click();
      await page.waitForURL(`**/clinician/patients/${patientId}`);
      await page.getByTestId('patient-banner').waitFor();

      await home.goto(`${base}/portal`);
      const alert = home.getByTestId('break-glass-alert');
      await alert.waitFor();
      assert.match((await alert.textContent()) ?? '', new RegExp(reason));
      await check(home, 'first-user-break-glass-alert-ar');
    } finally {
      await home.request.delete(`${base}/fhir/R4/Consent/${blockId}`, { headers: asPatient });
    }
  });
});

describe('accessibility and console', () => {
  it('no serious or critical axe violation, and no page error', () => {
    assert.deepEqual(blocking, []);
    assert.deepEqual(pageErrors, []);
  });
});
