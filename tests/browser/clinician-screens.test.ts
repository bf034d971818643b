/**
 * The staff screens no other browser test opens, and what a first user met on them (issue 13), in
 * Debian's Chromium against the real platform with the demo data, in French and Arabic (rtl):
 *
 * - the visit's sign screen, the correction screen, the staff's second factor, the administrators'
 *   accounts (an account with several roles, its role editor open) and a practitioner working in
 *   several facilities (every facility on the form, whole; one found by a word of its name and
 *   added, then ended — its role kept, inactive): axe-core (no serious or critical violation), nothing wider than a 390 px
 *   phone, screenshots under test-results/screenshots/<backend>/clinician-*.png;
 * - the clinician's tables (problems, medicines and their doses, the patient list) at 390 and
 *   1280 px: nothing silently cut — no clipped box or ellipsis hiding text, no cell whose content
 *   spills out of it (a table wider than its card scrolls in a focusable region instead);
 * - Arabic details: a measured value reads number then unit, a select's options fit in it (not cut
 *   at their start), an empty section of a patient with little data says what to do next;
 * - errors a person meets, in Arabic: a wrong password, a used reset link, a wrong authenticator
 *   code — each shown in Arabic words only (no Latin sentence) with a next step on the page.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Bundle, Organization, PractitionerRole } from '@medplum/fhirtypes';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ar as adminAr } from '../../packages/web/src/admin/i18n/ar.ts';
import { fr as adminFr } from '../../packages/web/src/admin/i18n/fr.ts';
import { ar as authAr } from '../../packages/web/src/auth/i18n/ar.ts';
import { fr as authFr } from '../../packages/web/src/auth/i18n/fr.ts';
import { ar as clinicalAr } from '../../packages/web/src/clinical/i18n/ar.ts';
import { fr as clinicalFr } from '../../packages/web/src/clinical/i18n/fr.ts';
import { fhirFetch, type TestServer } from '../support/server.ts';
import {
  DEMO_ADMIN,
  DEMO_DOCTOR,
  DEMO_PATIENT_CNIE,
  DESKTOP,
  describeViolation,
  ensureWebBuilt,
  isBlocking,
  launchChromium,
  newContext,
  PHONE,
  phoneOverflow,
  runAxe,
  screenshot,
  settle,
  signInStaff,
  startDemoServer,
  watchErrors,
} from './support/browser.ts';

type StorageState = Awaited<ReturnType<BrowserContext['storageState']>>;
type Language = 'fr' | 'ar';
const LANGUAGES: Language[] = ['fr', 'ar'];
const clinical = { fr: clinicalFr, ar: clinicalAr };
const admin = { fr: adminFr, ar: adminAr };
const auth = { fr: authFr, ar: authAr };

let server: TestServer;
let browser: Browser;
let base: string;
let doctorState: StorageState;
let adminState: StorageState;
let patientId: string;
/** A patient of the demo doctor with nothing recorded yet. */
let sparseId: string;
/** A visit left open, to sign. */
let openVisitId: string;
let conditionId: string;
/** A practitioner working in several facilities, and those facilities. */
let manyPlacesId: string | undefined;
let manyPlaces: Set<string> = new Set();
/** A facility where they do not work, and a word of its name to find it by. */
let otherFacility: { reference: string; word: string } | undefined;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];
const blocking: string[] = [];

async function open(name: string, language: Language, state?: StorageState): Promise<Page> {
  // one screen at a time: the previous tabs close (each holds a live connection of the session)
  for (const c of contexts.splice(0)) await c.close().catch(() => {});
  const context = await newContext(browser, { language, ...(state ? { state } : {}) });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  watchErrors(page, pageErrors, name);
  return page;
}

/**
 * What is cut on the page as laid out: a box that hides what overflows it (overflow hidden or
 * clip, or an ellipsis) while its content is wider, or a table cell whose content spills out of it.
 * Visually hidden helpers (1 px boxes for screen readers) are skipped.
 */
function cutContent(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const found: string[] = [];
    for (const el of Array.from(document.querySelectorAll('main *'))) {
      const box = el.getBoundingClientRect();
      if (box.width <= 2 || box.height <= 2) continue;
      if (el.closest('.visually-hidden')) continue; // for screen readers, clipped on purpose
      const style = getComputedStyle(el);
      if (style.display === 'none' || style.visibility === 'hidden') continue;
      const clips = style.overflowX === 'hidden' || style.overflowX === 'clip';
      const ellipsis = style.textOverflow === 'ellipsis';
      const cell = el.tagName === 'TD' || el.tagName === 'TH';
      if ((clips || ellipsis || cell) && el.scrollWidth > el.clientWidth + 1) {
        found.push(
          `${el.tagName.toLowerCase()}.${el.className} (${el.scrollWidth} > ${el.clientWidth} px) "${(el.textContent ?? '').trim().slice(0, 60)}"`,
        );
      }
    }
    // a region that scrolls sideways is fine if a keyboard can reach it (and it shows a scrollbar)
    for (const el of Array.from(document.querySelectorAll('main *'))) {
      const style = getComputedStyle(el);
      const scrolls = style.overflowX === 'auto' || style.overflowX === 'scroll';
      if (scrolls && el.scrollWidth > el.clientWidth + 1 && (el as HTMLElement).tabIndex < 0)
        found.push(
          `${el.tagName.toLowerCase()}.${el.className} scrolls sideways but a keyboard cannot reach it`,
        );
    }
    return found;
  });
}

/**
 * Selects whose label is cut: the chosen option wider than the room the closed select gives it, or a
 * select that runs against the page's direction (an Arabic label would then lose its start).
 */
function cutOptions(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const context = document.createElement('canvas').getContext('2d');
    if (!context) return ['no canvas'];
    const found: string[] = [];
    const pageDirection = getComputedStyle(document.documentElement).direction;
    for (const select of Array.from(document.querySelectorAll('select'))) {
      const style = getComputedStyle(select);
      if (style.direction !== pageDirection)
        found.push(`#${select.id} runs ${style.direction} in a ${pageDirection} page`);
      context.font = style.font;
      // the arrow takes about 1.5em on the end side
      const room =
        select.clientWidth -
        Number.parseFloat(style.paddingInlineStart) -
        Number.parseFloat(style.paddingInlineEnd) -
        1.5 * Number.parseFloat(style.fontSize);
      const chosen = select.selectedOptions[0];
      const width = chosen ? context.measureText(chosen.text).width : 0;
      if (width > room)
        found.push(`#${select.id}: "${chosen?.text}" (${Math.round(width)} > ${Math.round(room)} px)`);
    }
    return found;
  });
}

/** axe, cut text and options, a screenshot at 1280 px; then the same at 390 px (no overflow). */
async function check(page: Page, name: string): Promise<void> {
  await settle(page);
  for (const v of (await runAxe(page)).violations)
    if (isBlocking(v)) blocking.push(describeViolation(name, v));
  assert.deepEqual(await cutContent(page), [], `${name} at 1280 px: content cut`);
  assert.deepEqual(await cutOptions(page), [], `${name} at 1280 px: options cut`);
  await screenshot(page, server.backend, name);
  const { overflow, culprits } = await phoneOverflow(page);
  assert.ok(
    overflow <= 0,
    `${name}: the page is ${overflow}px wider than a 390 px screen: ${culprits.join(', ')}`,
  );
  assert.deepEqual(await cutContent(page), [], `${name} at 390 px: content cut`);
  assert.deepEqual(await cutOptions(page), [], `${name} at 390 px: options cut`);
  for (const v of (await runAxe(page)).violations)
    if (isBlocking(v)) blocking.push(describeViolation(`${name}-phone`, v));
  await screenshot(page, server.backend, `${name}-phone`);
  await page.setViewportSize(DESKTOP);
}

async function signedIn(login: string, landing: string): Promise<StorageState> {
  const context = await newContext(browser);
  const page = await context.newPage();
  await signInStaff(page, base, login, landing);
  const state = await context.storageState();
  await context.close();
  return state;
}

before(async () => {
  ensureWebBuilt();
  server = await startDemoServer();
  base = server.url;
  browser = await launchChromium();
  doctorState = await signedIn(DEMO_DOCTOR, '/clinician');
  adminState = await signedIn(DEMO_ADMIN, '/admin/facilities');

  const patients = await fhirFetch(server.fhirBase, `/Patient?identifier=${DEMO_PATIENT_CNIE}`);
  patientId = patients.body.entry[0].resource.id;
  // the doctor's Practitioner, from their session
  const context = await newContext(browser, { state: doctorState });
  const page = await context.newPage();
  await page.goto(`${base}/welcome`);
  const me = await page.evaluate(() => fetch('/auth/me').then((r) => r.json()));
  await context.close();
  const doctor: string = me.user.fhirUser;
  assert.match(doctor, /^Practitioner\//);

  const sparse = await fhirFetch(server.fhirBase, '/Patient', {
    method: 'POST',
    body: {
      resourceType: 'Patient',
      name: [{ family: 'Amrani', given: ['Salma'] }],
      gender: 'female',
      birthDate: '1990-04-02',
      generalPractitioner: [{ reference: doctor }],
    },
  });
  sparseId = sparse.body.id;
  const visit = await fhirFetch(server.fhirBase, '/Encounter', {
    method: 'POST',
    body: {
      resourceType: 'Encounter',
      status: 'in-progress',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
      subject: { reference: `Patient/${patientId}` },
      participant: [{ individual: { reference: doctor } }],
      period: { start: new Date().toISOString() },
    },
  });
  openVisitId = visit.body.id;
  const conditions = await fhirFetch(server.fhirBase, `/Condition?patient=Patient/${patientId}&_count=1`);
  conditionId = conditions.body.entry[0].resource.id;

  const roles = await fhirFetch(server.fhirBase, '/PractitionerRole?_count=1000');
  const places = new Map<string, Set<string>>();
  for (const e of (roles.body as Bundle<PractitionerRole>).entry ?? []) {
    if (e.resource?.active === false) continue;
    const who = e.resource?.practitioner?.reference;
    const where = e.resource?.organization?.reference ?? e.resource?.location?.[0]?.reference;
    if (who && where) places.set(who, (places.get(who) ?? new Set()).add(where));
  }
  const many = [...places].find(([, at]) => at.size > 1);
  manyPlacesId = many?.[0].split('/')[1];
  manyPlaces = many?.[1] ?? new Set();
  // a facility where they do not work, with the word of its name that the fewest names share, so
  // that the search (20 matches) surely lists it
  const all = await fhirFetch(server.fhirBase, '/Organization?_count=1000&_elements=name,type');
  const named = ((all.body as Bundle<Organization>).entry ?? [])
    .map((e) => e.resource as Organization)
    .filter((o) => o.name);
  const wordsOf = (name: string) =>
    name
      .normalize('NFD')
      .replace(/\p{M}/gu, '')
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter((w) => w.length >= 5);
  const sharing = new Map<string, number>();
  for (const o of named)
    for (const w of new Set(wordsOf(o.name ?? ''))) sharing.set(w, (sharing.get(w) ?? 0) + 1);
  let best: { other: Organization; word: string; shared: number } | undefined;
  for (const o of named) {
    if (
      manyPlaces.has(`Organization/${o.id}`) ||
      !o.type?.some((t) => t.coding?.some((c) => c.code === 'prov'))
    )
      continue;
    for (const w of wordsOf(o.name ?? '')) {
      const shared = sharing.get(w) ?? 0;
      if (!best || shared < best.shared) best = { other: o, word: w, shared };
    }
  }
  const other = best?.other;
  const word = best && best.shared <= 10 ? best.word : undefined;
  if (other && word) otherFacility = { reference: `Organization/${other.id}`, word };
});

async function activeRolesOf(practitioner: string): Promise<PractitionerRole[]> {
  const roles = await fhirFetch(server.fhirBase, `/PractitionerRole?practitioner=${practitioner}&_count=200`);
  return ((roles.body as Bundle<PractitionerRole>).entry ?? [])
    .map((e) => e.resource as PractitionerRole)
    .filter((r) => r.active !== false);
}

after(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await server?.close();
});

describe('the clinical screens: sign, correct, chart', () => {
  for (const language of LANGUAGES) {
    it(`the sign screen of a visit left open, and its refusal of an empty note (${language})`, async () => {
      const t = clinical[language];
      const page = await open(`sign-${language}`, language, doctorState);
      await page.goto(`${base}/clinician/patients/${patientId}/sign/${openVisitId}`);
      await page.getByRole('heading', { name: t.visit.sign, exact: true }).waitFor();
      await check(page, `clinician-sign-${language}`);
      await page.locator('main form button').last().click();
      await page.locator('.error-summary').getByText(t.errors.noteToSign).waitFor();
      await check(page, `clinician-sign-refused-${language}`);
    });

    it(`the correction screen of a diagnosis (${language})`, async () => {
      const page = await open(`correct-${language}`, language, doctorState);
      await page.goto(`${base}/clinician/patients/${patientId}/correct/Condition/${conditionId}`);
      await page.locator('main form').waitFor();
      await check(page, `clinician-correct-${language}`);
    });

    it(`the chart's tables show the whole dose and every detail at 390 and 1280 px (${language})`, async () => {
      const page = await open(`chart-${language}`, language, doctorState);
      await page.goto(`${base}/clinician/patients/${patientId}`);
      const medicines = page.getByTestId('chart-medications');
      await medicines.waitFor();
      const doses = await medicines.locator('td.wrap').allTextContents();
      assert.ok(
        doses.some((d) => /\d/.test(d)),
        `the demo patient has a dose to show: ${doses.join(' | ')}`,
      );
      await check(page, `clinician-chart-${language}`);
      // each dose is on screen in full at a phone's width (no ancestor clips it)
      await page.setViewportSize(PHONE);
      const hidden = await medicines.locator('td.wrap').evaluateAll((cells) =>
        cells.flatMap((cell) => {
          const box = cell.getBoundingClientRect();
          for (let up = cell.parentElement; up; up = up.parentElement) {
            const style = getComputedStyle(up);
            if (style.overflowX === 'visible') continue;
            const room = up.getBoundingClientRect();
            if (box.left < room.left - 1 || box.right > room.right + 1)
              return [`"${cell.textContent}" leaves ${up.className}`];
          }
          return [];
        }),
      );
      assert.deepEqual(hidden, [], 'a dose is out of sight at 390 px');
      await page.setViewportSize(DESKTOP);

      // Arabic: each latest value reads number, then unit — from the right: the number sits to
      // the right of its unit ('٪', 'ملم زئبق' or 'mmHg' alike), each keeping its own glyph order
      if (language === 'ar') {
        const latest = await page.locator('.chart__latest').evaluateAll((spans) =>
          spans.map((span) => {
            const [number, unit] = Array.from(span.querySelectorAll('bdi'));
            if (!number || !unit?.textContent?.trim()) return { ok: true, text: span.textContent };
            const n = number.getBoundingClientRect();
            const u = unit.getBoundingClientRect();
            const ok = /^[\d٠-٩]/.test(number.textContent ?? '') && n.left > u.left;
            return { ok, text: span.textContent };
          }),
        );
        assert.ok(latest.length > 0, 'the chart shows latest values');
        for (const l of latest) assert.ok(l.ok, `number then unit: ${l.text}`);
      }
    });

    it(`the patient list at 390 and 1280 px (${language})`, async () => {
      const page = await open(`find-${language}`, language, doctorState);
      await page.goto(`${base}/clinician`);
      await page.locator('#q, input[type="search"]').first().fill('Zerouali');
      await page.locator('main form button').first().click();
      await page.locator('main table, main ul li a').first().waitFor();
      await check(page, `clinician-find-${language}`);
    });

    it(`an empty section of a patient with little data says what to do next (${language})`, async () => {
      const page = await open(`sparse-${language}`, language, doctorState);
      await page.goto(`${base}/clinician/patients/${sparseId}`);
      await page.locator('main .empty').first().waitFor();
      await check(page, `clinician-chart-sparse-${language}`);
      const empties = await page.locator('main .empty').evaluateAll((els) =>
        els.map((el) => ({
          text: (el.textContent ?? '').trim(),
          link: el.querySelector('a, button') !== null,
        })),
      );
      assert.ok(empties.length >= 3, `the sparse chart has empty sections: ${empties.length}`);
      for (const e of empties) {
        // "nothing yet." alone is not enough: a second sentence (or a link) says what to do
        const sentences = e.text.split(/[.!?؟]\s*/).filter((s) => s.trim().length > 2);
        assert.ok(e.link || sentences.length >= 2, `an empty section gives no next step: "${e.text}"`);
      }
    });
  }
});

describe('account screens: second factor and administration', () => {
  for (const language of LANGUAGES) {
    it(`the second-factor screen, and a wrong code explained (${language})`, async () => {
      const t = auth[language];
      const page = await open(`security-${language}`, language, doctorState);
      await page.goto(`${base}/account/security`);
      await page.getByRole('heading', { name: t.security.title, exact: true }).waitFor();
      await check(page, `clinician-security-${language}`);
      await page.getByRole('button', { name: t.security.start, exact: true }).click();
      await page.getByTestId('totp-secret').waitFor();
      await check(page, `clinician-security-secret-${language}`);
      await page.getByLabel(t.security.code, { exact: true }).fill('000000');
      await page.getByRole('button', { name: t.security.confirm, exact: true }).click();
      const summary = page.locator('.error-summary');
      await summary.getByText(t.security.wrongCode).waitFor();
      if (language === 'ar') await noLatinSentence(summary.innerText(), 'wrong authenticator code');
      assert.ok(await page.getByRole('button', { name: t.security.confirm, exact: true }).isVisible());
      await check(page, `clinician-security-wrong-code-${language}`);
    });
  }

  it('an account with several roles, its role editor open (fr, ar)', async () => {
    const login = `multi.roles.${Date.now()}`;
    for (const language of LANGUAGES) {
      const t = admin[language];
      const page = await open(`accounts-${language}`, language, adminState);
      await page.goto(`${base}/admin/accounts`);
      await page.getByRole('heading', { name: t.accounts.title, exact: true }).waitFor();
      if (language === 'fr') {
        await page.locator('#displayName').fill('Nadia Bennani-Alaoui El Fassi');
        await page.locator('#login').fill(login);
        await page.locator('#email').fill(`${login}@example.ma`);
        const roles = page.locator('input[name="roles"]');
        for (const i of [0, 1, 2, 3]) await roles.nth(i).check();
        await page.getByRole('button', { name: t.accounts.create, exact: true }).click();
        await page.getByText(t.accounts.created).waitFor();
      }
      await page.locator('#q').fill(login);
      await page.getByRole('button', { name: t.accounts.find, exact: true }).click();
      const account = page.getByTestId('accounts').locator('li').filter({ hasText: login });
      await account.locator('summary').click();
      assert.ok((await account.locator('input[type="checkbox"]:checked').count()) >= 4);
      await check(page, `admin-accounts-${language}`);
    }
  });

  it('the form of a practitioner who works in several facilities: each shown whole, one added, one ended (fr, ar)', async (t) => {
    if (!manyPlacesId) return t.skip('no demo practitioner works in several facilities');
    const who = `Practitioner/${manyPlacesId}`;
    for (const language of LANGUAGES) {
      const page = await open(`practitioner-${language}`, language, adminState);
      await page.goto(`${base}/admin/practitioners/${manyPlacesId}`);
      const ticked = page.locator('input[name="organizations"]:checked');
      await ticked.first().waitFor({ state: 'attached', timeout: 40_000 });
      assert.deepEqual(
        new Set(await ticked.evaluateAll((boxes) => boxes.map((b) => (b as HTMLInputElement).value))),
        manyPlaces,
        'every facility of the directory is on the form',
      );
      await check(page, `admin-practitioner-places-${language}`);
    }
    if (!otherFacility) return;
    // a facility found by a word of its name, ticked and saved: a role there; then ended again
    const t_ = admin.fr.practitioners;
    const page = await open('practitioner-add-facility', 'fr', adminState);
    await page.goto(`${base}/admin/practitioners/${manyPlacesId}`);
    await page
      .locator('input[name="organizations"]:checked')
      .first()
      .waitFor({ state: 'attached', timeout: 40_000 });
    await page.getByLabel(t_.findOrganization, { exact: true }).fill(otherFacility.word);
    await page.locator('#facility-search').press('Enter');
    const box = page.locator(`input[name="organizations"][value="${otherFacility.reference}"]`);
    await box.check();
    await page.locator('main form button:not([type="button"])').click();
    await page.getByText(t_.saved).waitFor();
    const withIt = await activeRolesOf(who);
    assert.deepEqual(
      new Set(withIt.map((r) => r.organization?.reference)),
      new Set([...manyPlaces, otherFacility.reference]),
    );
    await page.goto(`${base}/admin/practitioners/${manyPlacesId}`);
    await box.waitFor({ state: 'attached', timeout: 40_000 });
    assert.ok(await box.isChecked());
    await box.uncheck();
    await page.locator('main form button:not([type="button"])').click();
    await page.getByText(t_.saved).waitFor();
    const after = await activeRolesOf(who);
    assert.deepEqual(new Set(after.map((r) => r.organization?.reference)), manyPlaces);
    const roles = await fhirFetch(server.fhirBase, `/PractitionerRole?practitioner=${who}&_count=200`);
    const ended = ((roles.body as Bundle<PractitionerRole>).entry ?? [])
      .map((e) => e.resource as PractitionerRole)
      .find((r) => r.organization?.reference === otherFacility?.reference);
    assert.equal(ended?.active, false, 'the role at the facility taken off is kept, ended');
    assert.ok(ended?.period?.end);
  });
});

async function noLatinSentence(text: Promise<string> | string, what: string): Promise<void> {
  const shown = await text;
  assert.doesNotMatch(
    shown,
    /[A-Za-z]{3,}(\s+[A-Za-z]{2,})+/,
    `${what}: a Latin sentence in Arabic: ${shown}`,
  );
}

describe('errors a person meets, in Arabic, with a next step', () => {
  it('a wrong password on the login page', async () => {
    const t = auth.ar;
    const page = await open('login-error-ar', 'ar');
    await page.goto(`${base}/login`);
    await page.locator('#login').fill('Z999999');
    await page.locator('#password').fill('not-the-password-1');
    await page.locator('main form button:not([type="button"])').first().click();
    const summary = page.locator('.error-summary');
    await summary.getByText(t.errors.wrongCredentials).waitFor();
    await noLatinSentence(summary.innerText(), 'wrong password');
    await page.locator('main a[href^="/forgot-password"]').first().waitFor();
    await check(page, 'errors-login-ar');
  });

  it('a reset link already used (or never valid)', async () => {
    const t = auth.ar;
    const page = await open('reset-error-ar', 'ar');
    await page.goto(`${base}/reset-password#token=this-link-was-already-used-0123456789`);
    await page.locator('#password').fill('a-new-password-2026');
    await page.locator('#confirm').fill('a-new-password-2026');
    await page.getByRole('button', { name: t.recovery.save, exact: true }).click();
    const summary = page.locator('.error-summary');
    await summary.getByText(t.recovery.errors.invalidToken).waitFor();
    await noLatinSentence(page.locator('main').innerText(), 'used reset link');
    await page.getByRole('link', { name: t.recovery.again, exact: true }).waitFor();
    await check(page, 'errors-reset-link-ar');
  });
});

describe('the screens have no accessibility defect', () => {
  it('axe found no serious or critical violation, and no page logged an error', () => {
    assert.deepEqual(blocking, [], `axe:\n${blocking.join('\n')}`);
    assert.deepEqual(pageErrors, []);
  });
});
