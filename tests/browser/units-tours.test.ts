/**
 * The mobile units screen (issue 10, items 3 and 6) in Debian's Chromium against the real platform
 * with the demo data: the demo programme manager opens the units (named in the reader's language:
 * the demo unit's Arabic name has no Latin letter), then the demo unit — its base, its
 * weekly tour (a stop per day: commune, day, drive from the previous stop, visit frequency), its
 * team (the programme's four places, names in the reader's script, vacancies shown) and its
 * equipment checklist with the last check — in French and Arabic (rtl). What is expected comes
 * from the API the screen reads (GET /api/units, /api/units/:id), not from strings written here.
 * axe-core (no serious or critical violation), nothing wider than a 390 px phone, screenshots
 * under test-results/screenshots/<backend>/units-*.png.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DEMO_UNIT_ID } from '../../packages/server/src/modules/units/demo.ts';
import { personName } from '../../packages/web/src/fhir/display.ts';
import type { UnitDetail, UnitSummary } from '../../packages/web/src/units/api.ts';
import { ar as unitsAr } from '../../packages/web/src/units/i18n/ar.ts';
import { fr as unitsFr } from '../../packages/web/src/units/i18n/fr.ts';
import { communeName, weekdayName } from '../../packages/web/src/units/tours/view.ts';
import { unitName } from '../../packages/web/src/units/unit-name.ts';
import { fhirFetch, type TestServer } from '../support/server.ts';
import {
  DESKTOP,
  describeViolation,
  ensureWebBuilt,
  isBlocking,
  launchChromium,
  newContext,
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
const units = { fr: unitsFr, ar: unitsAr };
const MANAGER = 'programme-manager@demo.sahti.ma';
const LATIN = /[A-Za-z]/;

let server: TestServer;
let browser: Browser;
let base: string;
let managerState: StorageState;
let list: UnitSummary[];
/** The demo unit as the API gives it, after the equipment check below. */
let unit: UnitDetail;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];
const blocking: string[] = [];

async function open(name: string, language: Language): Promise<Page> {
  for (const c of contexts.splice(0)) await c.close().catch(() => {});
  const context = await newContext(browser, { language, state: managerState });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  watchErrors(page, pageErrors, name);
  return page;
}

/** axe at 1280 and 390 px, nothing wider than the phone, a screenshot at each width. */
async function check(page: Page, name: string): Promise<void> {
  await settle(page);
  for (const v of (await runAxe(page)).violations)
    if (isBlocking(v)) blocking.push(describeViolation(name, v));
  await screenshot(page, server.backend, name);
  const { overflow, culprits } = await phoneOverflow(page);
  assert.ok(overflow <= 0, `${name}: ${overflow}px wider than a 390 px screen: ${culprits.join(', ')}`);
  for (const v of (await runAxe(page)).violations)
    if (isBlocking(v)) blocking.push(describeViolation(`${name}-phone`, v));
  await screenshot(page, server.backend, `${name}-phone`);
  await page.setViewportSize(DESKTOP);
}

/** The text of each row of a table, cell by cell. */
const rowsOf = (page: Page, testId: string): Promise<string[][]> =>
  page
    .getByTestId(testId)
    .locator('tbody tr')
    .evaluateAll((rows) =>
      rows.map((r) => Array.from(r.querySelectorAll('td')).map((c) => (c.textContent ?? '').trim())),
    );

before(async () => {
  ensureWebBuilt();
  server = await startDemoServer();
  base = server.url;
  browser = await launchChromium();
  const context = await newContext(browser);
  const page = await context.newPage();
  await signInStaff(page, base, MANAGER, '/planning');
  managerState = await context.storageState();
  const api = <T>(path: string) => page.evaluate((p) => fetch(p).then((r) => r.json()), path) as Promise<T>;
  list = (await api<{ units: UnitSummary[] }>('/api/units')).units;
  assert.ok(list.length > 0, 'the demo has a mobile unit');
  const first = await api<UnitDetail>(`/api/units/${list[0]?.id}`);
  // the unit's daily equipment check (a QuestionnaireResponse about the unit, as its members post
  // it): one device working, one broken, one missing, the rest not checked
  const checked = await fhirFetch(server.fhirBase, '/QuestionnaireResponse', {
    method: 'POST',
    body: {
      resourceType: 'QuestionnaireResponse',
      status: 'completed',
      questionnaire: 'Questionnaire/unit-equipment-check',
      subject: { reference: `Organization/${first.id}` },
      // by a member of its team: what anyone else files about the unit is no check of it
      author: { reference: first.roster[0]?.practitioner },
      authored: new Date().toISOString(),
      item: first.devices.slice(0, 3).map((d, i) => ({
        linkId: d.id,
        text: d.id,
        item: [
          { linkId: 'present', answer: [{ valueBoolean: i !== 2 }] },
          { linkId: 'working', answer: [{ valueBoolean: i === 0 }] },
        ],
      })),
    },
  });
  assert.equal(checked.status, 201, JSON.stringify(checked.body).slice(0, 300));
  unit = await api<UnitDetail>(`/api/units/${first.id}`);
  await context.close();
  assert.ok(unit.weeklyTour.days.length > 0, 'the demo unit has a published tour');
  assert.ok(unit.roster.length > 0 && unit.devices.length > 3, 'the demo unit has a team and equipment');
  assert.equal(unit.lastCheck?.items.length, 3);
});

after(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await server?.close();
});

describe('the mobile units screen: tours, teams, equipment', () => {
  for (const language of LANGUAGES) {
    const t = units[language].tours;

    it(`lists the units with their base (${language})`, async () => {
      const page = await open(`units-${language}`, language);
      await page.goto(`${base}/units`);
      await page.getByRole('heading', { name: t.title, level: 1 }).waitFor();
      for (const u of list) {
        const name = unitName(u, language);
        const card = page.getByTestId('units-list').locator('.card', { hasText: name });
        await card.getByRole('link', { name }).waitFor();
        assert.ok((await card.textContent())?.includes(communeName(u.base, language)), `base of ${name}`);
      }
      // the demo unit's name is translated: in Arabic, not a Latin letter of it
      const demo = list.find((u) => u.id === DEMO_UNIT_ID);
      assert.ok(demo, 'the demo unit is listed');
      const shown = (await page.getByTestId('units-list').getByRole('link').allTextContents()).join(' ');
      if (language === 'ar') {
        assert.doesNotMatch(unitName(demo, language), LATIN, 'the unit’s name in Arabic script');
        assert.ok(shown.includes(unitName(demo, language)), `${shown}: the Arabic name`);
        assert.ok(!shown.includes(demo.name), 'not the French one');
      } else assert.ok(shown.includes(demo.name), `${shown}: the French name`);
      await check(page, `units-list-${language}`);
    });

    it(`shows the demo unit's weekly tour, team and equipment as the API gives them (${language})`, async () => {
      const page = await open(`unit-${language}`, language);
      await page.goto(`${base}/units`);
      const name = unitName(unit, language);
      await page.getByRole('link', { name }).click();
      const heading = page.getByRole('heading', { name, level: 1 });
      await heading.waitFor();
      if (language === 'ar')
        assert.doesNotMatch((await heading.textContent()) ?? '', LATIN, 'the unit’s name in Arabic script');
      await page.getByTestId('unit-tour').waitFor();
      const dir = await page.evaluate(() => document.documentElement.dir);
      assert.equal(dir, language === 'ar' ? 'rtl' : 'ltr');
      assert.ok(
        (await page.locator('main .summary-list').textContent())?.includes(communeName(unit.base, language)),
        'the base',
      );

      // the tour: a row per day, in the API's order, with the commune, the day, the drive and the frequency
      const tour = await rowsOf(page, 'unit-tour');
      const { days, stops, weeks } = unit.weeklyTour;
      assert.equal(tour.length, days.length);
      days.forEach((d, i) => {
        const row = tour[i]?.join(' | ') ?? '';
        const stop = stops.find((s) => s.commune === d.stop);
        assert.ok(stop, `the stop of ${d.day}`);
        assert.ok(row.includes(weekdayName(language, d.day)), `${row}: the day ${d.day}`);
        const commune = communeName(d, language);
        assert.ok(commune && row.includes(commune), `${row}: the commune ${commune}`);
        if (language === 'ar') assert.doesNotMatch(commune, LATIN, 'the commune in Arabic script');
        // the first day leaves the base; a day at the stop of the day before drives nowhere
        const drive =
          i === 0
            ? d.minutesFromBase === 0
              ? t.atBase
              : t.fromBase.replace('{{minutes}}', String(d.minutesFromBase))
            : days[i - 1]?.stop === d.stop
              ? t.samePlace
              : t.minutes.replace('{{minutes}}', String(d.minutesFromPrevious));
        assert.ok(row.includes(drive), `${row}: the drive from the previous stop (${drive})`);
        const frequency = (weeks > 1 ? t.perCycle : t.perWeek)
          .replace('{{times}}', String(stop?.visits))
          .replace('{{weeks}}', String(weeks));
        assert.ok(row.includes(frequency), `${row}: ${frequency}`);
      });

      // the team: the programme's four places, each member named in the reader's script
      const team = await rowsOf(page, 'unit-team');
      assert.equal(team.length, Math.max(4, unit.roster.length));
      for (const member of unit.roster) {
        const name = personName(member.names, language) || member.name;
        const row = team.find((r) => r[1] === name);
        assert.ok(row, `${name} on the team: ${JSON.stringify(team)}`);
        assert.equal(row[0], t.roles[member.role]);
        if (language === 'ar' && member.names.some((n) => n.extension?.some((e) => e.valueCode === 'ar')))
          assert.doesNotMatch(name, LATIN, 'an Arabic name where the directory has one');
      }
      const vacant = team.filter((r) => r[1] === t.vacant).length;
      assert.equal(
        vacant,
        unit.gaps.reduce((n, g) => n + g.missing, 0),
        'each place the team lacks is shown',
      );

      // the equipment: each device, its serial and its state at the last check
      const equipment = await rowsOf(page, 'unit-equipment');
      assert.equal(equipment.length, unit.devices.length);
      for (const device of unit.devices) {
        const row = equipment.find((r) => r[1] === device.serial);
        assert.ok(row, `device ${device.serial}`);
        assert.equal(row[0], t.kinds[device.kind as keyof typeof t.kinds]);
        const item = unit.lastCheck?.items.find((i) => i.device === device.id);
        const state = !item
          ? 'unchecked'
          : item.present === false
            ? 'missing'
            : item.working === false
              ? 'notWorking'
              : 'ok';
        assert.equal(row[2], t.states[state], `state of ${device.serial}`);
      }
      await check(page, `units-unit-${language}`);
    });
  }

  it('met no page error and no serious accessibility violation', () => {
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(blocking, [], `axe:\n${blocking.join('\n')}`);
  });
});
