/**
 * A mobile unit's day in Debian's Chromium against the real platform with the demo data: the demo
 * GP prepares the day online, then with the network cut (context.setOffline) registers three
 * patients, records vitals and asks the hub for a cardiology opinion; back online the day is
 * synchronised — the first attempt cut after the server committed (its answer lost), the second
 * before reaching it — and the retry creates nothing twice. The hub cardiologist accepts and
 * answers; the answer appears in the unit. A patient edited at the hub and in the unit comes back
 * as a conflict for review, not overwritten. Screens in French and Arabic, phone and tablet.
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
let base: string;
const contexts: BrowserContext[] = [];
const errors: string[] = [];
const tag = randomBytes(2).toString('hex');
const families = [`Ouali${tag}`, `Amrani${tag}`, `Tazi${tag}`];
let unitPage: Page;
let unitContext: BrowserContext;

before(async () => {
  ensureWebBuilt();
  server = await startDemoServer();
  base = server.url;
  browser = await launchChromium();
  mkdirSync(SCREENSHOTS, { recursive: true });
});
after(async () => {
  for (const c of contexts) await c.close();
  await browser?.close();
  await server?.close();
});

async function open(
  name: string,
  options: { language?: 'fr' | 'ar'; viewport?: { width: number; height: number } } = {},
) {
  // the service worker is what lets the app start and load its screens with no network
  const context = await newContext(browser, {
    serviceWorkers: 'allow',
    ...(options.language ? { language: options.language } : {}),
  });
  if (options.viewport) await context.pages()[0]?.setViewportSize(options.viewport);
  contexts.push(context);
  const page = await context.newPage();
  if (options.viewport) await page.setViewportSize(options.viewport);
  page.setDefaultTimeout(20_000);
  watchErrors(page, errors, name);
  return { page, context };
}

const count = async (family: string) =>
  (await fhirFetch(server.fhirBase, `/Patient?family=${family}&_summary=count`)).body.total as number;

describe('a day offline', () => {
  it('prepares the day, then works with no network', async () => {
    ({ page: unitPage, context: unitContext } = await open('unit'));
    await signInStaff(unitPage, base, DEMO_DOCTOR, '/clinician');
    await unitPage.goto(`${base}/field`);
    await unitPage.getByLabel('Choisissez votre unité').selectOption({ label: 'Unité mobile Taroudant 1' });
    await unitPage.getByRole('button', { name: 'Préparer la journée' }).click();
    await unitPage.getByText(/Journée préparée le/).waitFor();

    await unitContext.setOffline(true);
    await unitPage.getByText(/Hors ligne : tout est enregistré/).waitFor();
    for (const family of families) {
      await unitPage.locator('#family').fill(family);
      await unitPage.locator('#given').fill('Fatima');
      await unitPage.locator('#birthDate').fill('1975-04-12');
      await unitPage.locator('#phone').fill('+212600001234');
      await unitPage.getByRole('button', { name: 'Enregistrer', exact: true }).click();
      await unitPage.getByRole('button', { name: `Fatima ${family}` }).waitFor();
    }
    // found again whatever the spelling
    await unitPage.locator('#find').fill(`fatma ${families[0].toLowerCase()}`);
    await unitPage.getByRole('button', { name: `Fatima ${families[0]}` }).click();
    await unitPage.locator('#find').fill('');
    await unitPage.locator('#systolic').fill('152');
    await unitPage.locator('#diastolic').fill('94');
    await unitPage.locator('#temperature').fill('37.2');
    await unitPage.locator('#spo2').fill('96');
    await unitPage.getByRole('button', { name: 'Enregistrer la consultation' }).click();
    await unitPage.getByText('Consultation enregistrée sur l’appareil').waitFor();
    await unitPage.locator('#specialty').selectOption('cardiology');
    await unitPage.locator('#priority').selectOption('urgent');
    await unitPage.locator('#question').fill('Souffle systolique et dyspnée d’effort : avis cardiologique ?');
    await unitPage.getByRole('button', { name: 'Envoyer au plateau' }).click();
    await unitPage.getByText(/Demande enregistrée/).waitFor();
    // 3 patients, 1 encounter + 3 vital signs, 1 request + 1 task
    await unitPage.getByText('9 enregistrements en attente de synchronisation').waitFor();
    for (const family of families) assert.equal(await count(family), 0, 'nothing reached the server');
  });

  it('synchronises when the network returns, through a cut sync, creating nothing twice', async () => {
    await unitContext.setOffline(false);
    // first attempt: the server commits, the answer is lost on the way back
    let cut = true;
    await unitPage.route('**/api/units/sync', async (route) => {
      if (!cut) return route.continue();
      cut = false;
      await route.fetch();
      await route.abort('connectionreset');
    });
    await unitPage.getByRole('button', { name: 'Synchroniser' }).click();
    await unitPage.getByText(/La synchronisation n’a pas abouti/).waitFor();
    await unitPage.getByText('9 enregistrements en attente de synchronisation').waitFor();
    // second attempt: cut before it reaches the server
    await unitPage.unroute('**/api/units/sync');
    await unitPage.route('**/api/units/sync', (route) => route.abort('connectionreset'), { times: 1 });
    await unitPage.getByRole('button', { name: 'Synchroniser' }).click();
    await unitPage.getByText(/La synchronisation n’a pas abouti/).waitFor();
    // the retry goes through: the same batch's answer, nothing created twice
    await unitPage.getByRole('button', { name: 'Synchroniser' }).click();
    await unitPage.getByText(/Synchronisé : /).waitFor();
    await unitPage.getByText('0 enregistrements en attente de synchronisation').waitFor();
    for (const family of families) assert.equal(await count(family), 1, `${family} once`);
    const patient = (await fhirFetch(server.fhirBase, `/Patient?family=${families[0]}`)).body.entry[0]
      .resource;
    const obs = await fhirFetch(server.fhirBase, `/Observation?subject=Patient/${patient.id}&_summary=count`);
    assert.equal(obs.body.total, 3);
    const tasks = await fhirFetch(server.fhirBase, `/Task?patient=Patient/${patient.id}`);
    assert.equal(tasks.body.entry.length, 1);
  });

  it('brings the hub’s answer back to the unit', async () => {
    const { page } = await open('hub');
    await signInStaff(page, base, 'hub-specialist@demo.sahti.ma', '/clinician');
    await page.goto(`${base}/hub`);
    const queue = page.getByTestId('queue-cardiology');
    await queue.getByText(/Souffle systolique/).waitFor();
    await queue.getByRole('button', { name: 'Ouvrir' }).first().click();
    await page.getByText('Le dossier du patient s’ouvre quand vous acceptez la demande.').waitFor();
    await page.getByRole('button', { name: 'Accepter la demande' }).click();
    await page.getByText(new RegExp(`Patient : Fatima ${families[0]}`)).waitFor();
    await page.locator('#text').fill('Échographie cardiaque sous 15 jours ; contrôle de la tension.');
    await page.getByRole('button', { name: 'Envoyer la réponse' }).click();
    await page.getByText(/Réponse envoyée/).waitFor();
    await unitPage.getByRole('button', { name: 'Synchroniser' }).click();
    await unitPage
      .getByTestId('field-answers')
      .getByText(/Échographie cardiaque/)
      .waitFor();
    // the Task's status in the reader's words, not its FHIR code
    const answers = (await unitPage.getByTestId('field-answers').textContent()) ?? '';
    assert.match(answers, /Réponse \(terminée\)/);
    assert.doesNotMatch(answers, /completed/);
  });

  it('shows a conflict for review instead of overwriting the hub’s edit', async () => {
    const patient = (await fhirFetch(server.fhirBase, `/Patient?family=${families[1]}`)).body.entry[0]
      .resource;
    await unitPage.getByRole('button', { name: `Fatima ${families[1]}` }).click();
    // edited elsewhere after the unit read it
    const elsewhere = await fhirFetch(server.fhirBase, `/Patient/${patient.id}`, {
      method: 'PUT',
      body: { ...patient, address: [{ city: 'Taroudant' }] },
    });
    assert.equal(elsewhere.status, 200);
    await unitPage.locator('#newPhone').fill('+212600009999');
    await unitPage.getByRole('button', { name: 'Modifier le téléphone' }).click();
    await unitPage.getByRole('button', { name: 'Synchroniser' }).click();
    await unitPage
      .getByTestId('field-review')
      .getByText(/Conflit : modifié ailleurs/)
      .waitFor();
    const now = (await fhirFetch(server.fhirBase, `/Patient/${patient.id}`)).body;
    assert.equal(now.telecom[0].value, '+212600001234', 'not overwritten');
    assert.equal(now.address[0].city, 'Taroudant');
  });

  it('looks right in French and Arabic, on a phone and a tablet', async () => {
    for (const language of ['fr', 'ar'] as const) {
      for (const [device, viewport] of [
        ['phone', { width: 390, height: 844 }],
        ['tablet', { width: 1024, height: 1366 }],
      ] as const) {
        await unitPage.setViewportSize(viewport);
        await unitPage.evaluate((l) => window.localStorage.setItem('sahti.language', l), language);
        await unitPage.reload();
        await unitPage.locator('h1').first().waitFor();
        const dir = await unitPage.evaluate(() => document.documentElement.dir);
        assert.equal(dir, language === 'ar' ? 'rtl' : 'ltr');
        // today's stop, or on a day off the tour's next one, prepared on the French page: in Arabic,
        // the commune in Arabic letters (its translation) and the date in words
        const stop = await unitPage
          .getByText(
            language === 'ar' ? /نقطة توقف اليوم|نقطة التوقف المقبلة/ : /Arrêt du jour|Prochain arrêt/,
          )
          .textContent();
        if (language === 'ar') assert.doesNotMatch(stop ?? '', /[A-Za-z]/, `the stop in Arabic: ${stop}`);
        await unitPage.screenshot({
          path: join(SCREENSHOTS, `units-field-${language}-${device}.png`),
          fullPage: true,
        });
      }
    }
    assert.deepEqual(
      errors.filter((e) => !/Failed to load|net::ERR/.test(e)),
      [],
    );
  });
});
