/**
 * What an Arabic reader sees where the data is coded or names a person (issues 13 and 9), in Debian's
 * Chromium against the real platform with the demo data:
 *
 * 1. the demo patient acts for her child: his PNI vaccines are named in Arabic (from the schedule
 *    row, not the French text recorded), in French as the schedule writes them;
 * 2. after the demo doctor breaks the glass, the alert on the patient's home page and the access log
 *    name him in Arabic script (the Arabic form of his Practitioner resource), with his role in Arabic,
 *    and so does his own header once he switches to Arabic; the vaccines a visit offers are Arabic;
 * 3. booking's search results and the carer picker show specialties in Arabic (from their code);
 * 4. the administrator's accounts page names every role in Arabic.
 *
 * The named elements hold no Latin letter on the Arabic pages; axe-core on each screen (no serious
 * or critical violation); no page wider than a 390 px phone; screenshots under
 * test-results/screenshots/<backend>/arabic-*.png.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Bundle, Practitioner, PractitionerRole } from '@medplum/fhirtypes';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { ar as commonAr } from '../../packages/web/src/app/i18n/ar.ts';
import { ar as clinicalAr } from '../../packages/web/src/clinical/i18n/ar.ts';
import { personName } from '../../packages/web/src/fhir/display.ts';
import { ar as portalAr } from '../../packages/web/src/portal/i18n/ar.ts';
import { fr as portalFr } from '../../packages/web/src/portal/i18n/fr.ts';
import { fr as termsFr } from '../../packages/web/src/terms/i18n/fr.ts';
import { fhirFetch, type TestServer } from '../support/server.ts';
import {
  DEMO_ADMIN,
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
const LATIN = /[A-Za-z]/;
const CHILD_AR = 'ريان الزروالي';
const REASON = 'Patiente inconsciente aux urgences, antécédents inconnus';

let server: TestServer;
let browser: Browser;
let base: string;
let patientId: string;
let patientState: StorageState;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];
const blocking: string[] = [];

async function open(name: string, options: Parameters<typeof newContext>[1] = {}): Promise<Page> {
  const context = await newContext(browser, options);
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  watchErrors(page, pageErrors, name);
  return page;
}

/** axe on the page as it is, a screenshot, and (`phone`) no element wider than a 390 px phone. */
async function check(page: Page, name: string, { phone = true } = {}): Promise<void> {
  await settle(page);
  for (const v of (await runAxe(page)).violations)
    if (isBlocking(v)) blocking.push(describeViolation(name, v));
  await screenshot(page, server.backend, name);
  if (!phone) return;
  const { overflow, culprits } = await phoneOverflow(page);
  assert.ok(
    overflow <= 0,
    `${name}: the page is ${overflow}px wider than a 390 px screen: ${culprits.join(', ')}`,
  );
  await screenshot(page, server.backend, `${name}-phone`);
  await page.setViewportSize({ width: 1280, height: 900 });
}

/** The texts of the elements, each checked for Latin letters; at least one element. */
async function arabicOnly(elements: Locator, what: string): Promise<string[]> {
  await elements.first().waitFor();
  const texts = (await elements.allInnerTexts()).map((t) => t.trim());
  assert.ok(texts.length > 0, what);
  for (const text of texts) {
    assert.ok(text, `${what}: an empty label`);
    assert.doesNotMatch(text, LATIN, `${what}: "${text}" in ${JSON.stringify(texts)}`);
  }
  return texts;
}

before(async () => {
  ensureWebBuilt();
  server = await startDemoServer();
  base = server.url;
  browser = await launchChromium();
  const patients = await fhirFetch(server.fhirBase, `/Patient?identifier=${DEMO_PATIENT_CNIE}`);
  patientId = patients.body.entry[0].resource.id;
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

describe('a child’s vaccines', () => {
  it('are named in Arabic from the schedule, while the French page keeps the schedule’s French', async () => {
    for (const language of ['ar', 'fr'] as const) {
      const t = language === 'ar' ? portalAr : portalFr;
      const page = await open(`child-vaccines-${language}`, { language, state: patientState });
      await page.goto(`${base}/portal`);
      const card = page.getByTestId('dependants');
      await card.getByRole('button').first().click();
      await page.getByTestId('acting-for').waitFor();
      await page.goto(`${base}/portal/record/immunizations`);
      await page.getByTestId('acting-for').waitFor();
      const names = page.getByTestId('immunizations').getByTestId('vaccine-name');
      if (language === 'ar') {
        await page.getByTestId('acting-for').getByText(CHILD_AR).waitFor();
        const shown = await arabicOnly(names, 'vaccine names');
        assert.equal(shown.length, 8, JSON.stringify(shown));
        // the secondary line (date, dose) reads in Arabic too
        const lines = await page.getByTestId('immunizations').locator('li .secondary').allInnerTexts();
        for (const line of lines) assert.match(line, /الجرعة/, line);
        await check(page, 'arabic-child-vaccines-ar');
      } else {
        await names.first().waitFor();
        const shown = await names.allInnerTexts();
        for (const vaccine of [termsFr.vaccines.pni['HB-1'], termsFr.vaccines.pni['DTC-2']])
          assert.ok(shown.includes(vaccine), `${vaccine}: ${JSON.stringify(shown)}`);
        await check(page, 'arabic-child-vaccines-fr', { phone: false });
      }
      await page
        .getByTestId('acting-for')
        .getByRole('button', { name: t.actingFor.back, exact: true })
        .click();
      await page.waitForURL((url) => url.pathname === '/portal');
    }
  });
});

describe('after an emergency access', () => {
  it('the alert and the access log name the doctor in Arabic script, his role in Arabic', async () => {
    const doctor = await open('doctor');
    await signInStaff(doctor, base, DEMO_DOCTOR, '/clinician');
    const me = (await (await doctor.request.get(`${base}/auth/me`)).json()) as {
      csrfToken: string;
      user?: { fhirUser?: string };
    };
    const granted = await doctor.request.post(`${base}/api/break-glass`, {
      headers: { 'x-csrf-token': me.csrfToken, 'content-type': 'application/json' },
      data: { patient: `Patient/${patientId}`, reason: REASON },
    });
    assert.ok(granted.ok(), await granted.text());
    // what the chart opening writes in the log, as in real life
    await doctor.goto(`${base}/clinician/patients/${patientId}`);
    await doctor.getByTestId('patient-banner').waitFor();

    const { rows } = await server.platform.db.query<{ fhir_user: string }>(
      'SELECT fhir_user FROM auth_account WHERE login = $1',
      [DEMO_DOCTOR],
    );
    const practitioner = (await fhirFetch(server.fhirBase, `/${rows[0].fhir_user}`)).body as Practitioner;
    const arabicName = personName(practitioner.name, 'ar');
    assert.match(arabicName, /\p{Script=Arabic}/u, 'the demo doctor has an Arabic form of his name');

    const home = await open('alert-ar', { language: 'ar', state: patientState });
    await home.goto(`${base}/portal`);
    const alert = home.getByTestId('break-glass-alert');
    await alert.waitFor();
    const who = alert.getByTestId('break-glass-who');
    await home.waitForFunction(
      (name) => document.querySelector('[data-testid="break-glass-who"]')?.textContent === name,
      arabicName,
    );
    await arabicOnly(who, 'the alert’s practitioner');
    assert.match((await alert.textContent()) ?? '', new RegExp(REASON));
    await check(home, 'arabic-break-glass-alert-ar');

    await home.goto(`${base}/portal/access-log`);
    const log = home.getByTestId('access-log');
    await log.locator('li').filter({ hasText: arabicName }).first().waitFor();
    await arabicOnly(log.getByTestId('access-who'), 'who accessed the record');
    await arabicOnly(log.getByTestId('access-roles'), 'their roles');
    await check(home, 'arabic-access-log-ar');

    // the doctor's own header, once he reads in Arabic: his name from the directory, in Arabic script
    await doctor.getByRole('button', { name: 'العربية' }).click();
    await doctor.waitForFunction(
      (name) => document.querySelector('.header__user [aria-hidden="true"]')?.textContent === name,
      arabicName,
    );
    await arabicOnly(doctor.locator('.header__user [aria-hidden="true"]'), 'the signed-in doctor’s name');

    // recording a vaccine on a visit: the schedule's doses offered in Arabic (age, then vaccine)
    await doctor.goto(`${base}/clinician/patients/${patientId}/visit`);
    await doctor.getByRole('button', { name: clinicalAr.visit.addImmunization, exact: true }).click();
    const select = doctor.locator('#immunization-0-dose');
    await select.waitFor();
    const offered = await select
      .locator('option:not([value=""])')
      .evaluateAll((options) => options.map((o) => o.textContent ?? ''));
    assert.ok(offered.length >= 10, `the PNI schedule's doses: ${offered.length}`);
    for (const text of offered) assert.doesNotMatch(text, LATIN, `a vaccine offered on a visit: ${text}`);
  });
});

describe('specialties', () => {
  it('booking’s search results show each specialty in Arabic', async () => {
    const page = await open('find-ar', { language: 'ar' });
    await page.goto(`${base}/find?specialty=cardiology`);
    const specialties = page.locator('article.result .result__what > span:first-child');
    await arabicOnly(specialties, 'specialties in the results');
    await check(page, 'arabic-booking-results-ar');
  });

  it('the carer picker shows each practitioner’s specialty in Arabic (from its code)', async () => {
    // a demo practitioner with a coded specialty, looked for by the Latin family name
    const directory = await fhirFetch(
      server.fhirBase,
      '/PractitionerRole?specialty=http://snomed.info/sct|394579002&_include=PractitionerRole:practitioner&_count=20',
    );
    const practitioners = ((directory.body as Bundle).entry ?? [])
      .map((e) => e.resource)
      .filter((r): r is Practitioner => r?.resourceType === 'Practitioner');
    const roles = ((directory.body as Bundle).entry ?? [])
      .map((e) => e.resource)
      .filter((r): r is PractitionerRole => r?.resourceType === 'PractitionerRole');
    assert.ok(roles[0]?.specialty?.[0]?.text, 'the directory writes a French text beside the code');
    const family = practitioners
      .flatMap((p) => p.name ?? [])
      .map((n) => n.family)
      .find((f): f is string => Boolean(f && /^[A-Za-z -]+$/.test(f)));
    assert.ok(family, 'a cardiologist with a family name in Latin letters');

    const page = await open('picker-ar', { language: 'ar', state: patientState });
    await page.goto(`${base}/portal/consents/new`);
    await settle(page);
    await page.getByLabel(portalAr.newConsent.practitioner, { exact: true }).check();
    await page.getByLabel(portalAr.newConsent.search, { exact: true }).fill(family);
    await page.getByRole('button', { name: commonAr.actions.search, exact: true }).click();
    const shown = await arabicOnly(page.getByTestId('carer-specialty'), 'specialties in the picker');
    assert.ok(shown.includes('أمراض القلب'), JSON.stringify(shown));
    await check(page, 'arabic-carer-picker-ar');
  });
});

describe('role labels', () => {
  it('the accounts page names every role in Arabic', async () => {
    // signed in on the (French) login page, then the same session in Arabic
    const signIn = await open('admin-fr');
    await signInStaff(signIn, base, DEMO_ADMIN, '/admin/facilities');
    const state = await signIn.context().storageState();
    const page = await open('admin-ar', { language: 'ar', state });
    await page.goto(`${base}/admin/accounts`);
    const roles = await arabicOnly(page.getByTestId('account-roles'), 'roles of the accounts');
    assert.ok(roles.length >= 6, JSON.stringify(roles));
    const newAccountRoles = page
      .locator('fieldset')
      .filter({ has: page.locator('input[name="roles"]') })
      .locator('label.choice');
    const options = await arabicOnly(newAccountRoles, 'roles to give a new account');
    assert.ok(options.length >= 6, JSON.stringify(options));
    await check(page, 'arabic-accounts-ar', { phone: false });
  });
});

describe('accessibility and console', () => {
  it('no serious or critical axe violation, and no page error', () => {
    assert.deepEqual(blocking, []);
    assert.deepEqual(pageErrors, []);
  });
});
