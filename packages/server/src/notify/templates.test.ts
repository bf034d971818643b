import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { patientLanguage } from './language.ts';
import { checkTemplate, renderTemplate } from './templates.ts';

describe('notification templates', () => {
  const breakGlass = {
    practitioner: 'Dr Amina Alaoui',
    at: '2026-06-14T09:30:00Z',
    reason: 'Patient inconscient aux urgences',
  };

  it('writes the break-glass notice in French, Arabic and English, in Morocco’s time', () => {
    const fr = renderTemplate('break-glass', 'fr', breakGlass);
    assert.equal(fr.subject, 'Sahti : accès en urgence à votre dossier');
    assert.match(fr.body, /Dr Amina Alaoui a ouvert votre dossier médical en urgence le 14 juin 2026/);
    assert.match(fr.body, /10:30/); // UTC+1 (outside Ramadan)
    const ar = renderTemplate('break-glass', 'ar', breakGlass);
    assert.match(ar.subject, /دخول استعجالي/);
    assert.match(ar.body, /فتح Dr Amina Alaoui ملفك الطبي/);
    assert.match(ar.body, /2026/, 'Latin digits in Arabic');
    assert.doesNotMatch(ar.body, /[٠-٩]/);
    const en = renderTemplate('break-glass', 'en', breakGlass);
    assert.match(en.body, /opened your medical record in an emergency on 14 June 2026/);
    assert.match(en.body, /Reason: Patient inconscient/);
  });

  it('counts minutes in Arabic with the right noun', () => {
    assert.match(renderTemplate('login-code', 'ar', { code: '123456', minutes: 10 }).body, /10 دقائق/);
    assert.match(renderTemplate('password-reset', 'ar', { link: 'https://x', minutes: 30 }).body, /30 دقيقة/);
  });

  it('writes the contact-change code and the notice to the old address in three languages', () => {
    for (const language of ['fr', 'ar', 'en'] as const) {
      const code = renderTemplate('contact-change-code', language, {
        field: 'phone',
        code: '482913',
        minutes: 10,
      });
      assert.match(code.body, /482913/);
      const notice = renderTemplate('contact-change-notice', language, {
        field: 'email',
        to: 'n***@example.ma',
        at: '2026-06-14T09:30:00Z',
      });
      assert.match(notice.body, /n\*\*\*@example\.ma/);
      assert.doesNotMatch(notice.body, /\b\d{6}\b/, 'no code in the notice');
      const removed = renderTemplate('contact-change-notice', language, {
        field: 'phone',
        to: '',
        at: '2026-06-14T09:30:00Z',
      });
      assert.doesNotMatch(removed.body, /undefined|\*\*\*/);
    }
    assert.match(
      renderTemplate('contact-change-code', 'ar', { field: 'email', code: '1', minutes: 10 }).body,
      /10 دقائق/,
    );
  });

  it('refuses an unknown template or a missing parameter', () => {
    assert.throws(() => checkTemplate('nope', {}), /no notification template/);
    assert.throws(() => checkTemplate('login-code', { code: '1' }), /needs minutes/);
    assert.throws(() => checkTemplate('toString', {}), /no notification template/);
  });
});

describe('patientLanguage', () => {
  it('takes the preferred language we write, then any other, else none', () => {
    const lang = (code: string, preferred?: boolean) => ({ language: { coding: [{ code }] }, preferred });
    assert.equal(
      patientLanguage({ resourceType: 'Patient', communication: [lang('en'), lang('ar-MA', true)] }),
      'ar',
    );
    assert.equal(
      patientLanguage({ resourceType: 'Patient', communication: [lang('zgh'), lang('en-GB')] }),
      'en',
    );
    assert.equal(patientLanguage({ resourceType: 'Patient', communication: [lang('es', true)] }), undefined);
    assert.equal(patientLanguage({ resourceType: 'Patient' }), undefined);
  });
});
