/**
 * The practitioner's and the pharmacist's screens of a teleconsultation, in Debian's Chromium
 * against the real platform, in French and in Arabic:
 *
 * 1. the patient has checked in (French: the call is on; Arabic: it has ended); the doctor writes
 *    the consultation report on the consultation screen and it reaches the patient's record;
 * 2. the doctor picks medicines from the CNOPS list, signs the prescription; the patient finds it
 *    in "my prescriptions" with its code and opens the PDF in French and in Arabic;
 * 3. whoever holds the QR link sees it valid, with the medicines, and is asked to sign in to
 *    dispense; a signed-in pharmacist types their pharmacy and records the dispensing; a second
 *    one, whose account is attached to a pharmacy (named on the page, not typed), still holding
 *    the page is refused and told it was already dispensed; a revoked prescription says revoked; a code with one character changed is refused
 *    as not valid; a prescription whose signed content was altered says do not dispense.
 *
 * Every screen passes axe-core with no serious or critical violation and fits a 390 px phone;
 * screenshots under test-results/screenshots/<backend>/prescribing-*.png.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ar as pharmacyAr } from '../../packages/web/src/pharmacy/i18n/ar.ts';
import { fr as pharmacyFr } from '../../packages/web/src/pharmacy/i18n/fr.ts';
import { ar as portalAr } from '../../packages/web/src/portal/i18n/ar.ts';
import { fr as portalFr } from '../../packages/web/src/portal/i18n/fr.ts';
import { ar as teleAr } from '../../packages/web/src/teleconsult/i18n/ar.ts';
import { fr as teleFr } from '../../packages/web/src/teleconsult/i18n/fr.ts';
import { bookConsultation, type ConsultationWorld, seedConsultationWorld } from '../support/consultation.ts';
import { signIn } from '../support/people.ts';
import { fhirFetch, startTestServer, type TestServer } from '../support/server.ts';
import {
  DESKTOP,
  describeViolation,
  ensureWebBuilt,
  isBlocking,
  launchChromium,
  phoneOverflow,
  runAxe,
  screenshot,
  settle,
  watchErrors,
} from './support/browser.ts';

const TEXT = {
  fr: { tele: teleFr, pharmacy: pharmacyFr, portal: portalFr, search: 'Rechercher' },
  ar: { tele: teleAr, pharmacy: pharmacyAr, portal: portalAr, search: 'بحث' },
} as const;
type Language = keyof typeof TEXT;

/** What the doctor writes, in the language of the screen. */
const REPORT = {
  fr: {
    reason: 'Fièvre et toux depuis trois jours',
    findings: 'Pas de gêne respiratoire à l’écran, toux sèche',
    conclusion: 'Angine probable, bactérienne',
    plan: 'Amoxicilline une semaine, revoir si la fièvre dure',
  },
  ar: {
    reason: 'حمى وسعال منذ ثلاثة أيام',
    findings: 'لا ضيق في التنفس، سعال جاف',
    conclusion: 'التهاب اللوزتين المرجح',
    plan: 'أموكسيسيلين لمدة أسبوع، المراجعة إذا استمرت الحمى',
  },
};
const DOSAGE = { fr: '1 gélule matin et soir', ar: 'كبسولة صباحا ومساء' };

let server: TestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];
const blocking: string[] = [];
const overflowing: string[] = [];
const shots: string[] = [];

before(async () => {
  ensureWebBuilt();
  server = await startTestServer();
  browser = await launchChromium();
});
after(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await server?.close();
  if (shots.length) console.log(`# screenshots:\n${shots.map((s) => `#   ${s}`).join('\n')}`);
});

/** A page signed in with a session cookie (or none: a visitor holding the code), in `language`. */
async function open(language: Language, name: string, cookie?: string): Promise<Page> {
  const context = await browser.newContext({ locale: 'fr-MA', viewport: DESKTOP, serviceWorkers: 'block' });
  contexts.push(context);
  if (cookie) {
    const [key, value] = cookie.split('=');
    await context.addCookies([{ name: key, value, url: server.url }]);
  }
  await context.addInitScript((lang) => window.localStorage.setItem('sahti.language', lang), language);
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  watchErrors(page, pageErrors, name);
  return page;
}

/** axe on the settled screen, then the 390 px phone, then a full-page screenshot. */
async function check(page: Page, name: string): Promise<void> {
  await settle(page);
  const { violations } = await runAxe(page);
  for (const v of violations) if (isBlocking(v)) blocking.push(describeViolation(name, v));
  const viewport = page.viewportSize() ?? DESKTOP;
  const { overflow, culprits } = await phoneOverflow(page);
  if (overflow > 0) overflowing.push(`${name}: ${overflow}px wider than the phone (${culprits.join(', ')})`);
  shots.push(await screenshot(page, server.backend, `prescribing-${name}`));
  await page.setViewportSize(viewport);
}

/** A prescription written straight through the API (for the revoked and altered cases). */
async function prescribeByApi(world: ConsultationWorld): Promise<{ id: string; code: string }> {
  const res = await world.doctor.call('/api/prescriptions', {
    method: 'POST',
    body: {
      patient: `Patient/${world.patientId}`,
      items: [{ code: '6118000081579', dosage: '1 comprimé si douleur', quantity: 1, durationDays: 5 }],
    },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

/** A pharmacist's Practitioner attached to a pharmacy (Organization, Location, PractitionerRole). */
async function attachPharmacist(id: string, name: string, city: string): Promise<void> {
  const resources = [
    { resourceType: 'Organization', id: `${id}-org`, active: true, name },
    { resourceType: 'Location', id: `${id}-loc`, status: 'active', name, address: { city, country: 'MA' } },
    { resourceType: 'Practitioner', id, name: [{ family: 'Tazi', given: ['Salma'] }] },
    {
      resourceType: 'PractitionerRole',
      id: `${id}-role`,
      active: true,
      practitioner: { reference: `Practitioner/${id}` },
      organization: { reference: `Organization/${id}-org` },
      location: [{ reference: `Location/${id}-loc` }],
      code: [
        {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/practitioner-role', code: 'pharmacist' }],
        },
      ],
    },
  ];
  for (const r of resources) {
    const res = await fhirFetch(server.fhirBase, `/${r.resourceType}/${r.id}`, { method: 'PUT', body: r });
    assert.ok(res.status < 300, JSON.stringify(res.body));
  }
}

/** The code with one character changed (to another character of the code's alphabet). */
const oneCharacterOff = (code: string) =>
  `${code.slice(0, 10)}${code[10] === 'A' ? 'B' : 'A'}${code.slice(11)}`;

for (const language of ['fr', 'ar'] as const) {
  const { tele, pharmacy, portal, search } = TEXT[language];

  describe(`prescribing in ${language === 'fr' ? 'French' : 'Arabic'}`, () => {
    let world: ConsultationWorld;
    let appointment: string;
    let code: string;

    before(async () => {
      world = await seedConsultationWorld(server);
      appointment = await bookConsultation(server, world);
      const checkIn = await world.patient.call(`/api/teleconsult/${appointment}/check-in`, {
        method: 'POST',
        body: { remote: true, record: true, agree: true },
      });
      assert.equal(checkIn.status, 200, JSON.stringify(checkIn.body));
      if (language === 'ar') {
        // the report written after the call rather than during it
        const ended = await world.doctor.call(`/api/teleconsult/${appointment}/end`, {
          method: 'POST',
          body: {},
        });
        assert.equal(ended.status, 200, JSON.stringify(ended.body));
      }
    });

    it('the doctor writes the consultation report; it reaches the patient’s record', async () => {
      const doctor = await open(language, `doctor-${language}`, world.doctor.cookie);
      await doctor.goto(`${server.url}/clinician/consultations/${appointment}`);
      await settle(doctor);
      assert.equal(
        await doctor.evaluate(() => document.documentElement.dir),
        language === 'ar' ? 'rtl' : 'ltr',
      );
      await doctor
        .getByText(language === 'fr' ? tele.room.patientArrived : tele.room.ended, { exact: true })
        .waitFor();
      // an empty report is refused next to the fields that need words
      await doctor.getByRole('button', { name: tele.report.save }).click();
      assert.equal(await doctor.getByText(tele.report.missing).count(), 2, 'reason and conclusion');
      for (const key of ['reason', 'findings', 'conclusion', 'plan'] as const)
        await doctor.getByLabel(tele.report[key], { exact: true }).fill(REPORT[language][key]);
      await check(doctor, `doctor-report-${language}`);
      await doctor.getByRole('button', { name: tele.report.save }).click();
      await doctor.getByText(tele.report.saved).waitFor();

      const patient = await open(language, `patient-${language}`, world.patient.cookie);
      await patient.goto(`${server.url}/portal/record/notes`);
      await settle(patient);
      await patient.getByRole('heading', { name: portal.record.notes }).waitFor();
      const notes = patient.getByTestId('visit-notes');
      await notes.getByText(tele.report.document, { exact: true }).waitFor();
      await notes.getByText('Dr Youssef Benjelloun', { exact: false }).waitFor();
      // every section under its heading in the reader's language, the doctor's words as written
      for (const key of ['reason', 'findings', 'conclusion', 'plan'] as const) {
        const section = notes.locator('dt', { hasText: tele.report[key] });
        await section.waitFor();
        assert.equal(
          await section.locator('xpath=following-sibling::dd[1]').textContent(),
          REPORT[language][key],
          key,
        );
      }
      await check(patient, `patient-report-${language}`);
    });

    it('the doctor signs a prescription from the CNOPS list; the patient finds it and its PDF', async () => {
      const doctor = await open(language, `doctor-${language}`, world.doctor.cookie);
      await doctor.goto(`${server.url}/clinician/consultations/${appointment}`);
      await settle(doctor);
      // the page reopened: the report is said to be written, not offered again
      await doctor.getByText(tele.report.saved).waitFor();
      assert.equal(await doctor.getByRole('button', { name: tele.report.save }).count(), 0);
      // signing nothing is refused
      await doctor.getByRole('button', { name: tele.prescription.sign }).click();
      await doctor.getByText(tele.prescription.empty).waitFor();
      const searchBox = doctor.getByLabel(tele.prescription.search);
      await searchBox.fill('amoxicilline 500');
      await doctor.getByRole('button', { name: search, exact: true }).click();
      const choose = doctor.getByRole('button', { name: tele.prescription.choose });
      await choose.first().waitFor();
      const medicine = (await doctor.locator('main li', { has: choose.first() }).first().textContent()) ?? '';
      assert.match(medicine, /AMOXICILLINE/i, 'a medicine of the list');
      await choose.first().click();
      assert.equal(await doctor.getByText(tele.prescription.empty).count(), 0, 'the warning goes');
      await searchBox.fill('paracetamol');
      await searchBox.press('Enter');
      await doctor
        .locator('main li', { hasText: /PARAC[EÉ]TAMOL/i })
        .first()
        .waitFor();
      await choose.first().click();
      await doctor.locator('#dosage-0').fill(DOSAGE[language]);
      await doctor.locator('#quantity-0').fill('2');
      await doctor.locator('#days-0').fill('7');
      await doctor.locator('#dosage-1').fill(language === 'fr' ? '1 comprimé si fièvre' : 'قرص عند الحمى');
      await check(doctor, `doctor-prescription-${language}`);
      await doctor.getByRole('button', { name: tele.prescription.sign }).click();
      await doctor.getByText(tele.prescription.signed).waitFor();
      await check(doctor, `doctor-signed-${language}`);

      const patient = await open(language, `patient-${language}`, world.patient.cookie);
      await patient.goto(`${server.url}/portal/prescriptions`);
      await settle(patient);
      const card = patient.locator('main section, main .card').filter({ hasText: DOSAGE[language] }).first();
      await card.getByText(tele.mine.status.active, { exact: true }).waitFor();
      assert.match((await card.textContent()) ?? '', /AMOXICILLINE/i);
      code = ((await card.locator('code').textContent()) ?? '').replaceAll('-', '');
      assert.match(code, /^[0-9A-Z]{32}$/, 'the verification code is shown to the patient');
      await check(patient, `patient-prescriptions-${language}`);
      for (const [label, lang] of [
        [tele.prescription.pdf, 'fr'],
        [tele.prescription.pdfAr, 'ar'],
      ] as const) {
        const href = await card.getByRole('link', { name: label }).getAttribute('href');
        assert.ok(href?.endsWith(`lang=${lang}`), `${label}: ${href}`);
        const pdf = await patient.request.get(`${server.url}${href}`);
        assert.equal(pdf.status(), 200, label);
        assert.equal(pdf.headers()['content-type'], 'application/pdf', label);
        const bytes = await pdf.body();
        assert.equal(bytes.subarray(0, 5).toString('latin1'), '%PDF-', `${label} is a PDF`);
        assert.ok(bytes.length > 1000, `${label}: ${bytes.length} bytes`);
      }
    });

    it('the pharmacist verifies and dispenses once; a second dispensing is refused', async () => {
      assert.ok(code, 'the prescription of the previous step');
      // whoever holds the paper sees what it prescribes, but only a pharmacist records the dispensing
      const visitor = await open(language, `visitor-${language}`);
      await visitor.goto(`${server.url}/verify/${code}`);
      await settle(visitor);
      await visitor.getByTestId('verification').getByText(pharmacy.status.valid, { exact: true }).waitFor();
      await visitor.getByText(pharmacy.signInToDispense).waitFor();
      assert.equal(await visitor.getByRole('button', { name: pharmacy.dispense }).count(), 0);
      const signInLink = await visitor.getByRole('link', { name: pharmacy.signIn }).getAttribute('href');
      assert.equal(signInLink, `/login?next=${encodeURIComponent(`/verify/${code}`)}`);
      await check(visitor, `pharmacy-visitor-${language}`);
      // two pharmacists, signed in, open the QR link at once
      const first = await open(
        language,
        `pharmacist-${language}`,
        (await signIn(server, ['pharmacist'])).cookie,
      );
      // the second pharmacist's account is attached to their pharmacy: it is said, not typed
      await attachPharmacist('ph-sale', 'Pharmacie Ibn Sina', 'Salé');
      const second = await open(
        language,
        `pharmacist2-${language}`,
        (await signIn(server, ['pharmacist'], 'Practitioner/ph-sale')).cookie,
      );
      for (const page of [first, second]) {
        await page.goto(`${server.url}/verify/${code}`);
        await settle(page);
        await page.getByTestId('verification').getByText(pharmacy.status.valid, { exact: true }).waitFor();
      }
      const verification = first.getByTestId('verification');
      assert.match((await verification.textContent()) ?? '', /AMOXICILLINE[\s\S]*PARAC[EÉ]TAMOL/i);
      await verification.getByText(DOSAGE[language]).waitFor();
      await check(first, `pharmacy-valid-${language}`);
      // the name of the pharmacy is asked for, next to the field
      await first.getByRole('button', { name: pharmacy.dispense }).click();
      await first.getByText(pharmacy.missingPharmacy).waitFor();
      await first.getByLabel(pharmacy.pharmacy).fill('Pharmacie Al Amal, Rabat');
      await first.getByLabel(pharmacy.inpe).fill('123456789');
      await first.getByRole('button', { name: pharmacy.dispense }).click();
      await first.getByText(pharmacy.dispensed, { exact: true }).waitFor();
      await verification.getByText(pharmacy.status.dispensed, { exact: true }).waitFor();
      await check(first, `pharmacy-dispensed-${language}`);

      // the second still shows the form from before: the server refuses, the page says why
      await second
        .getByText(pharmacy.dispensingFor.replace('{{name}}', 'Pharmacie Ibn Sina, Salé'))
        .waitFor();
      assert.equal(await second.getByLabel(pharmacy.pharmacy).count(), 0, 'no name to type');
      await check(second, `pharmacy-attached-${language}`);
      await second.getByRole('button', { name: pharmacy.dispense }).click();
      await second.getByText(pharmacy.refused.dispensed).waitFor();
      await second
        .getByTestId('verification')
        .getByText(pharmacy.status.dispensed, { exact: true })
        .waitFor();
      assert.equal(await second.getByRole('button', { name: pharmacy.dispense }).count(), 0);
      await check(second, `pharmacy-second-refused-${language}`);
      const dispensed = await fhirFetch(
        server.fhirBase,
        `/MedicationDispense?subject=Patient/${world.patientId}`,
      );
      assert.equal(dispensed.body.entry?.length, 2, 'one dispense per medicine, recorded once');

      // a later visit, typing the code as printed (groups of four)
      const later = await open(language, `pharmacist3-${language}`);
      await later.goto(`${server.url}/verify`);
      await settle(later);
      await later.getByLabel(pharmacy.code).fill(code.match(/.{1,4}/g)?.join('-') ?? code);
      await later.getByRole('button', { name: pharmacy.check }).click();
      await later.getByTestId('verification').getByText(pharmacy.status.dispensed, { exact: true }).waitFor();
      assert.equal(await later.getByRole('button', { name: pharmacy.dispense }).count(), 0);
    });

    it('says revoked, not valid (one character off), and altered, with nothing to dispense', async () => {
      const revoked = await prescribeByApi(world);
      const withdrawn = await world.doctor.call(`/api/prescriptions/${revoked.id}/revoke`, {
        method: 'POST',
        body: { reason: 'Erreur de posologie' },
      });
      assert.equal(withdrawn.status, 200, JSON.stringify(withdrawn.body));
      const page = await open(language, `pharmacist-${language}`);
      await page.goto(`${server.url}/verify/${revoked.code}`);
      await settle(page);
      await page.getByTestId('verification').getByText(pharmacy.status.revoked, { exact: true }).waitFor();
      assert.equal(await page.getByRole('button', { name: pharmacy.dispense }).count(), 0);
      await check(page, `pharmacy-revoked-${language}`);

      await page.goto(`${server.url}/verify/${oneCharacterOff(code)}`);
      await settle(page);
      await page.getByText(pharmacy.unknown).waitFor();
      assert.equal(await page.getByRole('button', { name: pharmacy.dispense }).count(), 0);
      await check(page, `pharmacy-wrong-code-${language}`);

      // the signed content changed behind the signature (one character of the dosage)
      const altered = await prescribeByApi(world);
      const requests = await fhirFetch(
        server.fhirBase,
        `/MedicationRequest?identifier=https://sahti.ma/fhir/NamingSystem/prescription|${altered.id}`,
      );
      const request = requests.body.entry[0].resource;
      request.dosageInstruction[0].text = request.dosageInstruction[0].text.replace('1', '4');
      const put = await fhirFetch(server.fhirBase, `/MedicationRequest/${request.id}`, {
        method: 'PUT',
        body: request,
      });
      assert.equal(put.status, 200);
      await page.goto(`${server.url}/verify/${altered.code}`);
      await settle(page);
      await page.getByTestId('verification').getByText(pharmacy.status.tampered, { exact: true }).waitFor();
      assert.equal(await page.getByText('4 comprimé').count(), 0, 'nothing of an altered prescription');
      assert.equal(await page.getByRole('button', { name: pharmacy.dispense }).count(), 0);
      await check(page, `pharmacy-altered-${language}`);
    });
  });
}

describe('every screen', () => {
  it('has no serious accessibility violation, fits a phone, and logs no error', () => {
    assert.deepEqual(blocking, [], `axe:\n${blocking.join('\n')}`);
    assert.deepEqual(overflowing, [], overflowing.join('\n'));
    assert.deepEqual(pageErrors, [], pageErrors.join('\n'));
  });
});
