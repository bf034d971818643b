/**
 * In Chromium against the real platform with the demo data: the demo patient changes their email
 * on "My profile"; the new address waits until the code sent to it (read from a real SMTP server)
 * is typed — a wrong code is refused on the field, the right one makes the change, and the old
 * address is told. Then, in Arabic (right to left), the phone: the code comes by SMS.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ar as portalAr } from '../../packages/web/src/portal/i18n/ar.ts';
import { fr as portalFr } from '../../packages/web/src/portal/i18n/fr.ts';
import { startMessageSinks } from '../support/message-sinks.ts';
import type { TestServer } from '../support/server.ts';
import type { SmsGateway } from '../support/sms-gateway.ts';
import type { SmtpInbox } from '../support/smtp-inbox.ts';
import {
  DEMO_PATIENT_CNIE,
  ensureWebBuilt,
  launchChromium,
  newContext,
  screenshot,
  settle,
  signInPatient,
  startDemoServer,
  watchErrors,
} from './support/browser.ts';

const OLD_EMAIL = 'patient@demo.sahti.ma';
const OLD_PHONE = '+212600000001';

let server: TestServer;
let browser: Browser;
let inbox: SmtpInbox;
let gateway: SmsGateway;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];

before(async () => {
  ensureWebBuilt();
  const sinks = await startMessageSinks();
  ({ inbox, gateway } = sinks);
  server = await startDemoServer({ auth: { smtpUrl: sinks.smtpUrl } });
  browser = await launchChromium();
});

after(async () => {
  for (const context of contexts) await context.close().catch(() => {});
  await browser?.close();
  await server?.close();
  await inbox?.close();
  await gateway?.close();
});

async function open(): Promise<Page> {
  const context = await newContext(browser);
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  watchErrors(page, pageErrors);
  return page;
}

const codeIn = (text: string) => {
  const code = /\b(\d{6})\b/.exec(text)?.[1];
  assert.ok(code, `no code in: ${text}`);
  return code;
};
const accountOf = async () =>
  (
    await server.platform.db.query<{ email: string | null; phone: string | null }>(
      'SELECT email, phone FROM auth_account WHERE login = $1::text',
      [DEMO_PATIENT_CNIE],
    )
  ).rows[0];

describe('the patient confirms a new email or phone with the code sent to it', () => {
  it('email, in French: waits for the code; a wrong code is refused, the right one saves it', async () => {
    const page = await open();
    await signInPatient(page, server.url);
    await page.goto(`${server.url}/portal/profile`);
    await settle(page);
    const t = portalFr.contact;
    await page.getByLabel(t.email, { exact: true }).fill('nouvelle.adresse@example.test');
    await page.getByRole('button', { name: t.save }).click();
    const waiting = page.getByTestId('pending-email');
    await waiting.getByText('nouvelle.adresse@example.test', { exact: false }).waitFor();
    assert.equal((await accountOf()).email, OLD_EMAIL, 'nothing changes before the code');

    await screenshot(page, server.backend, 'contact-change-fr');
    const code = codeIn((await inbox.next('nouvelle.adresse@example.test')).text);
    const notice = await inbox.next(OLD_EMAIL);
    assert.doesNotMatch(notice.text, /\b\d{6}\b/);

    const field = page.getByLabel(t.codeEmail);
    await field.fill(String((Number(code) + 1) % 1_000_000).padStart(6, '0'));
    await waiting.getByRole('button', { name: t.confirm }).click();
    await page.getByText(t.errors.code).first().waitFor();
    assert.equal((await accountOf()).email, OLD_EMAIL);

    await field.fill(code);
    await waiting.getByRole('button', { name: t.confirm }).click();
    await page.getByText(t.confirmed).waitFor();
    await waiting.waitFor({ state: 'detached' });
    assert.equal(
      await page.getByLabel(t.email, { exact: true }).inputValue(),
      'nouvelle.adresse@example.test',
    );
    assert.equal((await accountOf()).email, 'nouvelle.adresse@example.test');
  });

  it('phone, in Arabic (right to left): the code comes by SMS', async () => {
    const page = await open();
    await signInPatient(page, server.url);
    await page.evaluate(() => window.localStorage.setItem('sahti.language', 'ar'));
    await page.goto(`${server.url}/portal/profile`);
    await settle(page);
    assert.equal(await page.locator('html').getAttribute('dir'), 'rtl');
    const t = portalAr.contact;
    await page.getByLabel(t.phone, { exact: true }).fill('06 61 00 00 09');
    await page.getByRole('button', { name: t.save }).click();
    const waiting = page.getByTestId('pending-phone');
    await waiting.getByText('+212661000009', { exact: false }).waitFor();
    await screenshot(page, server.backend, 'contact-change-ar');
    const code = codeIn(JSON.parse((await gateway.next('+212661000009')).body).text);
    assert.doesNotMatch(JSON.parse((await gateway.next(OLD_PHONE)).body).text, /\b\d{6}\b/);
    await page.getByLabel(t.codePhone).fill(code);
    await waiting.getByRole('button', { name: t.confirm }).click();
    await page.getByText(t.confirmed).waitFor();
    assert.equal((await accountOf()).phone, '+212661000009');
    assert.deepEqual(pageErrors, []);
  });
});
