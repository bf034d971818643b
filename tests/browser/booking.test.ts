/**
 * Booking end to end, in Debian's Chromium against the real platform with the demo data plus a
 * small seeded world (a cardiologist in Casablanca with an account, so the agenda can be opened):
 *
 * 1. a visitor finds a cardiologist in Casablanca by typing "casa", picks the next free time, signs
 *    in on the way (the chosen time survives the sign-in), confirms with a reason and a reminder
 *    channel, sees the booked page, then the appointment in "my appointments", and cancels it;
 * 2. an appointment inside the cut-off cannot be cancelled online: the refusal is said next to the
 *    action; a video appointment links to its consultation page;
 * 3. the same path in Arabic ("الدار البيضاء"): the pages are right to left and mirrored;
 * 4. the practitioner opens the agenda and sees the booking with the patient's name, and the
 *    weekly-template editor shows the server's refusal next to the field;
 * 5. the patient joins a waiting list; a time given back is held for them (not even who gave it
 *    back can take it again), shown in "my appointments", and booked from there;
 * 6. a week with no free time left (the practitioner on leave to its end) offers the first free
 *    time, whose link opens next week.
 *
 * Every screen passes axe-core with no serious or critical violation; screenshots under
 * test-results/screenshots/<backend>/.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Schedule } from '@medplum/fhirtypes';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { secretKeyFrom } from '../../packages/server/src/auth/config.ts';
import { createAccount } from '../../packages/server/src/auth/index.ts';
import { materializeSchedule } from '../../packages/server/src/modules/scheduling/materialize.ts';
import {
  templateExtension,
  type WeeklyTemplate,
} from '../../packages/server/src/modules/scheduling/template.ts';
import { modeConcept, specialtyConcept } from '../../packages/server/src/modules/scheduling/terms.ts';
import { ar as agendaAr } from '../../packages/web/src/agenda/i18n/ar.ts';
import { fr as agendaFr } from '../../packages/web/src/agenda/i18n/fr.ts';
import { ar as bookingAr } from '../../packages/web/src/booking/i18n/ar.ts';
import { fr as bookingFr } from '../../packages/web/src/booking/i18n/fr.ts';
import { addDays, formatDay, mondayOf } from '../../packages/web/src/booking/time.ts';
import { signIn } from '../support/people.ts';
import { fhirFetch, type TestServer } from '../support/server.ts';
import {
  DEMO_PASSWORD,
  DEMO_PATIENT_CNIE,
  DEMO_TOTP_SECRET,
  describeViolation,
  ensureWebBuilt,
  isBlocking,
  launchChromium,
  newContext,
  runAxe,
  screenshot,
  settle,
  signInStaff,
  startDemoServer,
  watchErrors,
} from './support/browser.ts';

const DOCTOR_LOGIN = 'cardiologue.casa@test.sahti.ma';
const DOCTOR = 'Dr Rim Bennis';
const DOCTOR_AR = 'د. ريم بنيس';
const REASON = 'Palpitations depuis une semaine';
const PHONE = { width: 390, height: 844 };

let server: TestServer;
let browser: Browser;
let base: string;
let patientId: string;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];
const shots: string[] = [];
const axeReport: string[] = [];
const blocking: string[] = [];
let patientState: Awaited<ReturnType<BrowserContext['storageState']>> | undefined;
/** The video appointment inside the cut-off, booked for the patient by the practice. */
let soonVideo: string;

/** Morocco's calendar date of an instant (the seeded template's exception is in local days). */
const moroccoDate = (at: Date) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'Africa/Casablanca' }).format(at);

async function open(
  options: Parameters<typeof newContext>[1],
  name: string,
  viewport = PHONE,
): Promise<Page> {
  const context = await newContext(browser, options);
  contexts.push(context);
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  page.setDefaultTimeout(20_000);
  watchErrors(page, pageErrors, name);
  return page;
}

async function check(page: Page, name: string): Promise<void> {
  await settle(page);
  const { violations } = await runAxe(page);
  for (const v of violations) {
    const line = describeViolation(name, v);
    axeReport.push(line);
    if (isBlocking(v)) blocking.push(line);
  }
  shots.push(await screenshot(page, server.backend, name));
}

const put = async (resource: Record<string, unknown>) => {
  const res = await fhirFetch(server.fhirBase, `/${resource.resourceType}/${resource.id}`, {
    method: 'PUT',
    body: resource,
  });
  assert.ok(res.status < 300, JSON.stringify(res.body).slice(0, 300));
  return res.body;
};

const everyDay = (start: string, end: string, minutes: number): WeeklyTemplate => ({
  slotMinutes: minutes,
  sessions: (['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const).map((day) => ({ day, start, end })),
  exceptions: [],
  closedOnHolidays: false,
});

/** A cardiologist in Casablanca (in person and by video) with a staff account. */
async function seedCardiologist(): Promise<void> {
  await put({
    resourceType: 'Organization',
    id: 'org-casa',
    name: 'Cabinet de cardiologie Maârif',
    active: true,
  });
  await put({
    resourceType: 'Location',
    id: 'loc-casa',
    status: 'active',
    name: 'Cabinet de cardiologie Maârif',
    address: { city: 'Casablanca', district: 'Casablanca', state: 'Casablanca-Settat', country: 'MA' },
  });
  await put({
    resourceType: 'Practitioner',
    id: 'pr-casa',
    active: true,
    name: [
      { use: 'official', text: DOCTOR, prefix: ['Dr'], given: ['Rim'], family: 'Bennis' },
      {
        use: 'usual',
        text: DOCTOR_AR,
        prefix: ['د.'],
        given: ['ريم'],
        family: 'بنيس',
        extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/language', valueCode: 'ar' }],
      },
    ],
    communication: ['ary', 'ar', 'fr'].map((code) => ({ coding: [{ system: 'urn:ietf:bcp:47', code }] })),
  });
  await put({
    resourceType: 'PractitionerRole',
    id: 'role-casa',
    active: true,
    practitioner: { reference: 'Practitioner/pr-casa' },
    organization: { reference: 'Organization/org-casa', display: 'Cabinet de cardiologie Maârif' },
    location: [{ reference: 'Location/loc-casa' }],
    specialty: [specialtyConcept('cardiology')],
    extension: [
      {
        url: 'https://sahti.ma/fhir/StructureDefinition/consultation-fee',
        valueMoney: { value: 350, currency: 'MAD' },
      },
    ],
  });
  // in person: closed today and tomorrow, so the next free time is more than a day ahead (a patient
  // may cancel it online); by video: every half hour from now on (inside the cut-off)
  const now = new Date();
  const today = moroccoDate(now);
  const tomorrow = moroccoDate(new Date(now.getTime() + 86_400_000));
  const inPerson: WeeklyTemplate = {
    ...everyDay('08:00', '18:00', 30),
    exceptions: [{ from: today, to: tomorrow, kind: 'closed', label: 'Congrès' }],
  };
  for (const [id, mode, template] of [
    ['sch-casa', 'in-person', inPerson],
    ['sch-casa-video', 'video', everyDay('00:00', '23:30', 30)],
  ] as const) {
    const schedule = await put({
      resourceType: 'Schedule',
      id,
      active: true,
      serviceType: [modeConcept(mode)],
      specialty: [specialtyConcept('cardiology')],
      actor: [
        { reference: 'PractitionerRole/role-casa' },
        { reference: 'Practitioner/pr-casa' },
        ...(mode === 'in-person' ? [{ reference: 'Location/loc-casa' }] : []),
      ],
      extension: [templateExtension(template)],
    });
    await materializeSchedule(server.platform.handler, server.platform.db, schedule as Schedule, 5);
  }
  await createAccount(
    server.platform.db,
    {
      kind: 'staff',
      login: DOCTOR_LOGIN,
      password: DEMO_PASSWORD,
      email: DOCTOR_LOGIN,
      roles: ['doctor'],
      fhirUser: 'Practitioner/pr-casa',
      displayName: DOCTOR,
      totpSecret: DEMO_TOTP_SECRET,
    },
    secretKeyFrom(process.env),
  );
}

before(async () => {
  // the smallest directory demo (4 practitioners a region): the test seeds its own cardiologist
  process.env.SAHTI_DEMO_PRACTITIONERS ??= '1';
  // a week of slots when a template is saved (the default 28 days is minutes of work on PGlite)
  process.env.SAHTI_SLOT_HORIZON_DAYS ??= '7';
  ensureWebBuilt();
  server = await startDemoServer();
  base = server.url;
  await seedCardiologist();
  const patients = await fhirFetch(server.fhirBase, `/Patient?identifier=${DEMO_PATIENT_CNIE}`);
  const patient = patients.body.entry[0].resource;
  patientId = patient.id;
  // an email beside the phone: the confirmation asks how to send the reminders
  await put({
    ...patient,
    telecom: [...(patient.telecom ?? []), { system: 'email', value: 'houda@example.ma' }],
  });
  browser = await launchChromium();
});

after(async () => {
  for (const context of contexts) await context.close().catch(() => {});
  await browser?.close();
  await server?.close();
  if (shots.length) console.log(`screenshots (${shots.length}):\n${shots.map((s) => `  ${s}`).join('\n')}`);
  console.log(
    axeReport.length ? `axe findings (${axeReport.length}):\n${axeReport.join('\n')}` : 'axe findings: none',
  );
});

const card = (page: Page, name: string, mode: string) =>
  page
    .locator('article.result')
    .filter({ has: page.getByRole('link', { name, exact: true }) })
    .filter({ hasText: mode });

describe('booking in the browser', () => {
  it('a visitor finds a cardiologist in Casablanca by typing "casa", with the next free time up front, books, moves and cancels it', async () => {
    const page = await open({}, 'visitor');
    await page.goto(`${base}/find`);
    await page.getByRole('heading', { level: 1, name: bookingFr.find.title }).waitFor();
    await check(page, 'booking-find-fr');
    await page.getByLabel(bookingFr.find.specialty).selectOption('cardiology');
    await page.getByLabel(bookingFr.find.place).fill('casa');
    await page.getByRole('button', { name: bookingFr.find.submit }).click();
    await page.waitForURL((url) => url.search.includes('place=casa'));
    const result = card(page, DOCTOR, bookingFr.modes['in-person']);
    await result.waitFor();
    await result.getByText(bookingFr.card.next).waitFor();
    assert.match((await result.textContent()) ?? '', /350\sMAD/);
    await check(page, 'booking-results-fr');

    // the next free time, straight from the results: signing in keeps it
    const first = result.locator('a.time').first();
    const label = (await first.getAttribute('aria-label')) ?? '';
    assert.match(label, /^Réserver .+ à \d{2}:\d{2}$/);
    await first.click();
    await page.waitForURL((url) => url.pathname === '/login');
    const next = new URL(page.url()).searchParams.get('next') ?? '';
    assert.match(next, /^\/book\/sch-casa-\d{12}$/);
    await page.getByLabel('Numéro de CNIE').fill(DEMO_PATIENT_CNIE);
    await page.getByLabel('Mot de passe').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Se connecter', exact: true }).click();
    await page.waitForURL((url) => url.pathname === next);
    await page.getByRole('heading', { level: 1, name: bookingFr.confirm.title }).waitFor();
    await page.getByText(DOCTOR).first().waitFor();
    await check(page, 'booking-confirm-fr');

    await page.getByLabel(bookingFr.confirm.reason).fill(REASON);
    await page.getByRole('radio', { name: /^Par SMS au/ }).check();
    await page.getByRole('button', { name: bookingFr.confirm.submit }).click();
    await page.waitForURL((url) => url.pathname.startsWith('/book/done/'));
    await page.getByRole('heading', { level: 1, name: bookingFr.booked.title }).waitFor();
    await page.getByTestId('booked').getByText(DOCTOR).waitFor();
    await check(page, 'booking-booked-fr');

    const id = new URL(page.url()).pathname.split('/').pop() as string;
    const appointment = (await fhirFetch(server.fhirBase, `/Appointment/${id}`)).body;
    assert.equal(appointment.status, 'booked');
    assert.equal(appointment.description, REASON);
    assert.equal(appointment.slot[0].reference, `Slot${next.slice(5)}`);
    const patient = (await fhirFetch(server.fhirBase, `/Patient/${patientId}`)).body;
    assert.equal(
      patient.extension?.find(
        (e: any) => e.url === 'https://sahti.ma/fhir/StructureDefinition/notification-channel',
      )?.valueCode,
      'sms',
    );
    patientState = await page.context().storageState();

    // my appointments: there, then cancelled
    await page.getByRole('link', { name: bookingFr.booked.toAppointments }).click();
    await page.getByRole('heading', { level: 1, name: bookingFr.mine.title }).waitFor();
    const upcoming = page.getByTestId('upcoming-appointments');
    const mine = upcoming.locator('.card').filter({ hasText: DOCTOR });
    await mine.waitFor();
    assert.match((await mine.textContent()) ?? '', new RegExp(REASON));
    await check(page, 'booking-mine-fr');

    // moved to another time: the week picker opens on the first free one, whatever the day
    await mine.getByRole('link', { name: bookingFr.mine.move }).click();
    await page.getByRole('heading', { level: 1, name: bookingFr.move.title }).waitFor();
    await check(page, 'booking-move-fr');
    await page.locator('a.time').first().click();
    await page.getByRole('heading', { level: 1, name: bookingFr.move.confirmTitle }).waitFor();
    const to = new URL(page.url()).searchParams.get('slot') as string;
    assert.notEqual(`/book/${to}`, next, 'another time than the booked one');
    await page.getByRole('button', { name: bookingFr.move.submit }).click();
    await page.waitForURL((url) => url.searchParams.get('moved') === id);
    await page.getByText(/^Rendez-vous déplacé au /).waitFor();
    const moved = (await fhirFetch(server.fhirBase, `/Appointment/${id}`)).body;
    assert.equal(moved.slot[0].reference, `Slot/${to}`);
    assert.equal(
      (await fhirFetch(server.fhirBase, `/Slot${next.slice(5)}`)).body.status,
      'free',
      'the time left is free again',
    );

    await mine.getByRole('button', { name: bookingFr.mine.cancel }).click();
    await mine.getByRole('button', { name: bookingFr.mine.cancelConfirm }).click();
    await page.getByText(bookingFr.mine.cancelled).waitFor();
    await page
      .getByTestId('past-appointments')
      .locator('.card')
      .filter({ hasText: bookingFr.mine.status.cancelled })
      .filter({ hasText: DOCTOR })
      .waitFor();
    assert.equal((await fhirFetch(server.fhirBase, `/Appointment/${id}`)).body.status, 'cancelled');
    const slot = (await fhirFetch(server.fhirBase, `/Slot/${to}`)).body;
    assert.equal(slot.status, 'free', 'the cancelled time is free again');
    await check(page, 'booking-cancelled-fr');
  });

  it('inside the cut-off the cancel is refused, said next to the action; a video appointment links to its consultation', async () => {
    // the practice books the patient a video consultation within the hour (system client)
    const slots = await (
      await fetch(
        `${base}/api/scheduling/schedules/sch-casa-video/slots?start=${new Date(Date.now() + 3_600_000).toISOString()}`,
      )
    ).json();
    const booked = await fetch(`${base}/api/scheduling/book`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ slot: `Slot/${slots.slots[0].slotId}`, patient: `Patient/${patientId}` }),
    });
    assert.equal(booked.status, 201, await booked.clone().text());
    soonVideo = ((await booked.json()) as { id: string }).id;

    const page = await open({ state: patientState }, 'patient-fr');
    await page.goto(`${base}/portal/appointments`);
    const video = page
      .getByTestId('upcoming-appointments')
      .locator('.card')
      .filter({ hasText: bookingFr.modes.video });
    await video.waitFor();
    assert.equal(
      await video.getByRole('link', { name: bookingFr.mine.join }).getAttribute('href'),
      `/portal/consultations/${soonVideo}`,
    );
    await video.getByRole('button', { name: bookingFr.mine.cancel }).click();
    await video.getByRole('button', { name: bookingFr.mine.cancelConfirm }).click();
    const refusal = video.getByRole('alert');
    await refusal.waitFor();
    assert.equal((await refusal.textContent())?.trim(), bookingFr.refusal.cutoff);
    assert.equal((await fhirFetch(server.fhirBase, `/Appointment/${soonVideo}`)).body.status, 'booked');
    await check(page, 'booking-cutoff-fr');
  });

  it('the same path in Arabic: right to left, mirrored', async () => {
    const page = await open({ language: 'ar', state: patientState }, 'patient-ar');
    await page.goto(`${base}/find`);
    await page.getByRole('heading', { level: 1, name: bookingAr.find.title }).waitFor();
    assert.equal(await page.locator('html').getAttribute('dir'), 'rtl');
    assert.equal(await page.locator('html').getAttribute('lang'), 'ar');
    await page.getByLabel(bookingAr.find.specialty).selectOption('cardiology');
    await page.getByLabel(bookingAr.find.place).fill('الدار البيضاء');
    await page.getByRole('button', { name: bookingAr.find.submit }).click();
    const result = card(page, DOCTOR_AR, bookingAr.modes['in-person']);
    await result.waitFor();
    // mirrored: the card's title and its first free time start from the right
    const box = await result.boundingBox();
    const title = await result.getByRole('link', { name: DOCTOR_AR }).boundingBox();
    const times = result.locator('a.time');
    const [t1, t2] = [await times.nth(0).boundingBox(), await times.nth(1).boundingBox()];
    assert.ok(box && title && t1 && t2);
    assert.ok(title.x + title.width > box.x + box.width - 40, 'the name sits on the right');
    assert.ok(t1.x > t2.x, 'the first time is right of the second');
    await check(page, 'booking-results-ar');

    await result.getByRole('link', { name: DOCTOR_AR }).click();
    await page.getByRole('heading', { level: 1, name: DOCTOR_AR }).waitFor();
    await check(page, 'booking-practitioner-ar');
    await page.locator('a.time').first().click();
    await page.getByRole('heading', { level: 1, name: bookingAr.confirm.title }).waitFor();
    await check(page, 'booking-confirm-ar');
    await page.getByRole('button', { name: bookingAr.confirm.submit }).click();
    await page.getByRole('heading', { level: 1, name: bookingAr.booked.title }).waitFor();
    await page.getByTestId('booked').getByText(DOCTOR_AR).waitFor();
    assert.equal(await page.evaluate(() => getComputedStyle(document.body).direction), 'rtl');
    await check(page, 'booking-booked-ar');
    await page.getByRole('link', { name: bookingAr.booked.toAppointments }).click();
    await page
      .getByTestId('upcoming-appointments')
      .locator('.card')
      .filter({ hasText: DOCTOR_AR })
      .first()
      .waitFor();
    await check(page, 'booking-mine-ar');
  });

  it('the practitioner opens the agenda and sees the booking with the patient’s name', async () => {
    const page = await open({}, 'doctor', { width: 1280, height: 900 });
    await signInStaff(page, base, DOCTOR_LOGIN, '/clinician');
    const start = (await fhirFetch(server.fhirBase, `/Appointment/${soonVideo}`)).body.start as string;
    await page.goto(`${base}/clinician/agenda?view=week&date=${moroccoDate(new Date(start))}`);
    const agenda = page.getByTestId('agenda');
    const row = agenda.getByRole('row').filter({ hasText: 'Houda Zerouali' }).first();
    await row.waitFor();
    assert.ok(
      (
        await row.getByRole('link', { name: agendaFr.agenda.openConsultation }).getAttribute('href')
      )?.endsWith(`/clinician/consultations/${soonVideo}`),
    );
    await check(page, 'booking-agenda-week-fr');

    // the weekly hours: the server's refusal next to the field, then saved
    await page.getByRole('link', { name: /Modifier les horaires — Au cabinet/ }).click();
    await page.getByRole('heading', { level: 1, name: agendaFr.template.title }).waitFor();
    await page.getByLabel(agendaFr.template.slotMinutes).fill('300');
    await page.getByRole('button', { name: agendaFr.template.submit }).click();
    const summary = page.locator('.error-summary');
    await summary.getByRole('link', { name: agendaFr.errors.slotMinutes }).waitFor();
    assert.equal(
      await page.locator('#slotMinutes-error').textContent(),
      agendaFr.errors.slotMinutes,
      'the refusal sits by its field',
    );
    await check(page, 'booking-template-refused-fr');
    await page.getByLabel(agendaFr.template.slotMinutes).fill('20');
    await page.getByRole('button', { name: agendaFr.template.submit }).click();
    await page.getByText(/Horaires enregistrés/).waitFor();

    // the agenda in Arabic on a phone
    const phone = await open({ language: 'ar', state: await page.context().storageState() }, 'doctor-ar');
    await phone.goto(`${base}/clinician/agenda?view=week&date=${moroccoDate(new Date(start))}`);
    await phone.getByRole('heading', { level: 1, name: agendaAr.agenda.title }).waitFor();
    await phone.getByTestId('agenda').getByRole('row').filter({ hasText: 'هدى الزروالي' }).first().waitFor();
    await check(phone, 'booking-agenda-week-ar');
  });

  it('a time freed while the patient waits is held for them: they book it from "my appointments"', async () => {
    // another patient holds the next in-person time
    await put({
      resourceType: 'Patient',
      id: 'pa-wait-other',
      name: [{ family: 'Alaoui', given: ['Sanae'] }],
      telecom: [{ system: 'email', value: 'sanae@example.ma' }],
    });
    const other = await signIn(server, ['patient'], 'Patient/pa-wait-other');
    const free = await (
      await fetch(`${base}/api/scheduling/schedules/sch-casa/slots?start=${new Date().toISOString()}`)
    ).json();
    const slot = free.slots[0].slotId as string;
    const taken = await other.call('/api/scheduling/book', {
      method: 'POST',
      body: { slot: `Slot/${slot}` },
    });
    assert.equal(taken.status, 201, JSON.stringify(taken.body));

    // the patient joins the practitioner's waiting list from the practitioner's page
    const page = await open({ state: patientState }, 'patient-waitlist-fr');
    await page.goto(`${base}/find/sch-casa`);
    await page.getByRole('link', { name: bookingFr.practitioner.waitlistAction }).click();
    await page.getByRole('heading', { level: 1, name: bookingFr.waitlist.joinTitle }).waitFor();
    await check(page, 'waitlist-join-fr');
    await page.getByRole('button', { name: bookingFr.waitlist.submit }).click();
    await page.waitForURL((url) => url.pathname === '/portal/appointments');
    await page.getByText(bookingFr.waitlist.joined).waitFor();
    await page.getByTestId('waitlist').waitFor();

    // the other patient gives the time back: it is held for the one waiting, not free for all
    const cancelled = await other.call(`/api/scheduling/appointments/${taken.body.id}/cancel`, {
      method: 'POST',
      body: {},
    });
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    assert.equal((await fhirFetch(server.fhirBase, `/Slot/${slot}`)).body.status, 'busy-tentative');
    const again = await other.call('/api/scheduling/book', {
      method: 'POST',
      body: { slot: `Slot/${slot}` },
    });
    assert.equal(again.status, 409, 'nobody else takes a held time, not even who gave it back');

    await page.reload();
    const held = page.getByTestId('waitlist').locator('.notice--success');
    // the practitioner's name comes with its own query ("…" until then)
    await held.getByText(/^Un horaire s’est libéré avec Dr Rim Bennis : /).waitFor();
    assert.equal(await page.getByText(bookingFr.waitlist.joined).count(), 0, 'no longer "we will tell you"');
    await check(page, 'waitlist-held-fr');
    await held.getByRole('button', { name: bookingFr.waitlist.confirmHeld }).click();
    await page.waitForURL((url) => url.pathname.startsWith('/book/done/'));
    await page.getByRole('heading', { level: 1, name: bookingFr.booked.title }).waitFor();
    const id = new URL(page.url()).pathname.split('/').pop() as string;
    const appointment = (await fhirFetch(server.fhirBase, `/Appointment/${id}`)).body;
    assert.equal(appointment.status, 'booked');
    assert.equal(appointment.slot[0].reference, `Slot/${slot}`);
    assert.ok(
      appointment.participant.some((p: any) => p.actor?.reference === `Patient/${patientId}`),
      'booked for the patient who waited',
    );
    assert.equal((await fhirFetch(server.fhirBase, `/Slot/${slot}`)).body.status, 'busy');
    await check(page, 'waitlist-booked-fr');
  });

  it('a week with no free time left offers the first free time; the link opens its week', async () => {
    // a practitioner on leave from today to the end of this week (Sunday): next week is the first
    // with free time, whatever the day the test runs
    const today = moroccoDate(new Date());
    const monday = mondayOf(today);
    const nextMonday = addDays(monday, 7);
    await put({
      resourceType: 'Practitioner',
      id: 'pr-leave',
      active: true,
      name: [{ text: 'Dr Salma Idrissi', prefix: ['Dr'], given: ['Salma'], family: 'Idrissi' }],
    });
    const schedule = await put({
      resourceType: 'Schedule',
      id: 'sch-leave',
      active: true,
      serviceType: [modeConcept('in-person')],
      specialty: [specialtyConcept('cardiology')],
      actor: [{ reference: 'Practitioner/pr-leave' }, { reference: 'Location/loc-casa' }],
      extension: [
        templateExtension({
          ...everyDay('09:00', '10:00', 60),
          exceptions: [{ from: today, to: addDays(monday, 6), kind: 'closed', label: 'Congés' }],
        }),
      ],
    });
    await materializeSchedule(server.platform.handler, server.platform.db, schedule as Schedule, 14);

    const page = await open({}, 'visitor-first-free');
    await page.goto(`${base}/find/sch-leave?week=${monday}`);
    await page.getByText(bookingFr.practitioner.noTimeWeek).waitFor();
    const link = page.getByRole('link', { name: /^Premier horaire libre : / });
    assert.equal(
      (await link.textContent())?.trim(),
      `Premier horaire libre : ${formatDay('fr', nextMonday)} à 09:00`,
    );
    await check(page, 'booking-first-free-fr');
    await link.click();
    await page.waitForURL((url) => url.searchParams.get('week') === nextMonday);
    const first = page.locator('a.time').first();
    await first.waitFor();
    assert.match((await first.getAttribute('aria-label')) ?? '', /^Réserver .+ à 09:00$/);
    assert.equal(await page.getByText(bookingFr.practitioner.noTimeWeek).count(), 0);
  });

  it('has no serious or critical accessibility violation, and no page error', () => {
    assert.deepEqual(blocking, [], `serious or critical axe violations:\n${blocking.join('\n')}`);
    assert.deepEqual(pageErrors, []);
  });
});
