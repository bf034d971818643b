import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readNotifySettings } from './config.ts';
import { maskRecipient } from './providers.ts';
import { consoleSms } from './sms-console.ts';
import { escaperFor, fillSmsTemplate } from './sms-http.ts';

const mail = { mailFrom: 'Sahti <no-reply@sahti.ma>' };

describe('the SMS template', () => {
  const message = { to: '+212612345678', text: 'Code "123456"\nNe le donnez à personne {to}' };

  it('fills {to} and {text} once, escaped for JSON', () => {
    const body = fillSmsTemplate('{"to":"{to}","text":"{text}"}', message, escaperFor('application/json'));
    assert.deepEqual(JSON.parse(body), message);
  });

  it('escapes form fields and XML text, and URL-encodes inside a URL', () => {
    const form = fillSmsTemplate(
      'to={to}&msg={text}',
      message,
      escaperFor('application/x-www-form-urlencoded'),
    );
    assert.deepEqual(Object.fromEntries(new URLSearchParams(form)), { to: message.to, msg: message.text });
    const xml = fillSmsTemplate(
      '<sms><text>{text}</text></sms>',
      { to: '', text: 'a < b & "c"' },
      escaperFor('text/xml'),
    );
    assert.equal(xml, '<sms><text>a &lt; b &amp; &quot;c&quot;</text></sms>');
    const url = fillSmsTemplate('https://gw.example/send?to={to}', message, encodeURIComponent);
    assert.equal(new URL(url).searchParams.get('to'), message.to);
  });
});

describe('the console SMS provider', () => {
  it('logs a masked number and the length, never the text, unless asked to in development', async () => {
    const lines: string[] = [];
    await consoleSms({ showText: false, log: (l) => lines.push(l) }).send({
      to: '+212612345678',
      subject: 'Sahti',
      text: 'Votre code est 424242',
    });
    assert.deepEqual(lines, ['SMS (console, not sent) to +2126*****78: 21 characters']);
    await consoleSms({ showText: true, log: (l) => lines.push(l) }).send({
      to: '+212612345678',
      subject: '',
      text: 'x 1',
    });
    assert.match(lines[1], /\nx 1$/);
  });

  it('shows texts only outside production', () => {
    const dev = readNotifySettings({ SAHTI_SMS_CONSOLE_SHOW: '1' }, mail);
    assert.deepEqual([dev.sms.provider, dev.sms.consoleShowText], ['console', true]);
    const prod = readNotifySettings(
      { NODE_ENV: 'production', SAHTI_SMS_PROVIDER: 'console', SAHTI_SMS_CONSOLE_SHOW: '1' },
      mail,
    );
    assert.deepEqual([prod.sms.provider, prod.sms.consoleShowText], ['console', false]);
  });
});

describe('notification settings', () => {
  it('pick the HTTP provider when a gateway URL is set; in production without one, SMS wait', () => {
    assert.equal(readNotifySettings({ SAHTI_SMS_URL: 'https://gw.example/sms' }, mail).sms.provider, 'http');
    assert.equal(readNotifySettings({ NODE_ENV: 'production' }, mail).sms.provider, 'none');
    assert.equal(readNotifySettings({}, mail).sms.provider, 'console');
  });

  it('refuse settings that cannot work', () => {
    assert.throws(() => readNotifySettings({ SAHTI_SMS_PROVIDER: 'http' }, mail), /needs SAHTI_SMS_URL/);
    assert.throws(() => readNotifySettings({ SAHTI_SMS_PROVIDER: 'pigeon' }, mail), /http, console or none/);
    assert.throws(
      () => readNotifySettings({ SAHTI_SMS_URL: 'https://gw', SAHTI_SMS_HEADERS: 'Bearer x' }, mail),
      /JSON object/,
    );
    assert.throws(() => readNotifySettings({ SAHTI_NOTIFY_MAX_ATTEMPTS: '0' }, mail), /≥ 1/);
  });
});

describe('maskRecipient', () => {
  it('keeps enough to recognise an address, not to use it', () => {
    assert.equal(maskRecipient('youssef@example.ma'), 'y***@example.ma');
    assert.equal(maskRecipient('+212612345678'), '+2126*****78');
    assert.equal(maskRecipient('12345'), '*****');
  });
});
