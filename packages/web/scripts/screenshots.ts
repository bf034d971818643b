// Screenshots of the web app for review: `node packages/web/scripts/screenshots.ts [base URL] [out dir]`.
// Signs in with the demo accounts (patient, doctor, administrator) against a running platform with
// demo data (npm start), then shoots each screen in French and Arabic at phone and desktop width.
// Uses Debian's Chromium (/usr/bin/chromium) through playwright-core; never downloads a browser.
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOTP } from 'otpauth';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

const base = process.argv[2] ?? 'http://localhost:8080';
const out = process.argv[3] ?? join(tmpdir(), 'sahti-screenshots');
const PASSWORD = 'sahti-demo-2026';
const TOTP_SECRET = 'SAHTIDEMOSTAFFTOTPSECRET234567AB';
const VIEWPORTS = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 900 } } as const;
const LANGUAGES = ['fr', 'ar'] as const;
mkdirSync(out, { recursive: true });

const problems: string[] = [];

async function context(browser: Browser, language: string, viewport: keyof typeof VIEWPORTS, state?: string) {
  const ctx = await browser.newContext({
    viewport: VIEWPORTS[viewport],
    locale: language === 'ar' ? 'ar-MA' : 'fr-MA',
    ...(state ? { storageState: JSON.parse(state) } : {}),
  });
  await ctx.addInitScript((lang) => window.localStorage.setItem('sahti.language', lang), language);
  return ctx;
}

function watch(page: Page, name: string) {
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`${name}: console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`${name}: page error: ${e.message}`));
}

async function shoot(page: Page, name: string) {
  await page.locator('h1').first().waitFor();
  await page.waitForLoadState('networkidle');
  // a screen whose data is still on its way shows no loading state in the picture
  await page
    .locator('.loading')
    .first()
    .waitFor({ state: 'detached', timeout: 10_000 })
    .catch(() => problems.push(`${name}: still loading after 10 s`));
  await page.waitForTimeout(150);
  await page.screenshot({ path: join(out, `${name}.png`), fullPage: true });
  console.log(`  ${name}.png`);
}

/** Signs in once and returns the session cookies (a TOTP code can be used only once). */
async function signIn(browser: Browser, login: string, staff: boolean): Promise<string> {
  const ctx = await context(browser, 'fr', 'desktop');
  const page = await ctx.newPage();
  await page.goto(`${base}/login${staff ? '?as=staff' : ''}`);
  await page.getByLabel(staff ? 'Identifiant' : 'Numéro de CNIE').fill(login);
  await page.getByLabel('Mot de passe').fill(PASSWORD);
  await page.getByRole('button', { name: 'Se connecter', exact: true }).click();
  if (staff) {
    const code = page.getByLabel('Code de votre application d’authentification');
    await code.waitFor();
    await code.fill(new TOTP({ secret: TOTP_SECRET }).generate());
    await page.getByRole('button', { name: 'Continuer' }).click();
  }
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
  const state = JSON.stringify(await ctx.storageState());
  await ctx.close();
  return state;
}

async function tour(
  browser: Browser,
  state: string | undefined,
  prefix: string,
  steps: [string, (page: Page) => Promise<void>][],
) {
  for (const language of LANGUAGES) {
    for (const viewport of Object.keys(VIEWPORTS) as (keyof typeof VIEWPORTS)[]) {
      const ctx: BrowserContext = await context(browser, language, viewport, state);
      const page = await ctx.newPage();
      for (const [name, go] of steps) {
        const full = `${prefix}-${name}-${language}-${viewport}`;
        watch(page, full);
        await go(page);
        await shoot(page, full);
      }
      await ctx.close();
    }
  }
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--no-first-run',
    '--disable-sync',
  ],
});
try {
  const cnie = process.env.SAHTI_DEMO_CNIE ?? 'A438469';
  const visit = (path: string) => async (page: Page) => {
    await page.goto(`${base}${path}`);
  };
  await tour(browser, undefined, 'login', [['page', visit('/login')]]);
  const patient = await signIn(browser, cnie, false);
  await tour(browser, patient, 'portal', [
    ['home', visit('/portal')],
    ['record', visit('/portal/record')],
    ['problems', visit('/portal/record/problems')],
    ['results', visit('/portal/record/results')],
    ['consents', visit('/portal/consents')],
    ['access-log', visit('/portal/access-log')],
    ['profile', visit('/portal/profile')],
  ]);
  const doctor = await signIn(browser, 'doctor@demo.sahti.ma', true);
  await tour(browser, doctor, 'clinician', [
    ['find', visit('/clinician?q=moha')],
    [
      'chart',
      async (page) => {
        await page.goto(`${base}/clinician?q=moha`);
        await page.getByTestId('patient-results').getByRole('link').first().click();
        await page.getByTestId('patient-banner').waitFor();
      },
    ],
  ]);
  // a patient outside the doctor's care (SAHTI_FORBIDDEN_PATIENT=<id>): the chart offers break-the-glass
  const forbidden = process.env.SAHTI_FORBIDDEN_PATIENT;
  if (forbidden) {
    const ctx = await context(browser, 'fr', 'phone', doctor);
    const page = await ctx.newPage();
    await page.goto(`${base}/clinician/patients/${forbidden}`);
    const reason = page.getByLabel('Motif de l’accès en urgence');
    if (
      await reason.waitFor({ timeout: 5000 }).then(
        () => true,
        () => false,
      )
    ) {
      await shoot(page, 'clinician-break-glass-fr-phone');
      await reason.fill('Patient inconscient admis aux urgences, antécédents inconnus');
      await page.getByRole('button', { name: 'Ouvrir le dossier en urgence' }).click();
      await page.getByTestId('patient-banner').waitFor();
      await shoot(page, 'clinician-break-glass-granted-fr-phone');
    }
    await ctx.close();
  }
  const admin = await signIn(browser, 'administrator@demo.sahti.ma', true).catch(async () => {
    await new Promise((r) => setTimeout(r, 31_000)); // the doctor's code may still be current
    return signIn(browser, 'administrator@demo.sahti.ma', true);
  });
  await tour(browser, admin, 'admin', [
    ['facilities', visit('/admin/facilities')],
    ['facility-new', visit('/admin/facilities/new')],
    ['practitioners', visit('/admin/practitioners')],
  ]);
} finally {
  await browser.close();
}
console.log(problems.length ? `\nProblems:\n${problems.join('\n')}` : '\nNo console errors.');
