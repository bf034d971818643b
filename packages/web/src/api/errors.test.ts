import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AUTH_ERRORS, type AuthErrorCode } from '@sahti/contracts';
import { ar } from '../app/i18n/ar.ts';
import { en } from '../app/i18n/en.ts';
import { fr } from '../app/i18n/fr.ts';
import { ApiError, blamedPaths, errorMessageKey } from './errors.ts';

describe('ApiError', () => {
  it('reads the first error issue of an OperationOutcome', () => {
    const error = new ApiError(400, {
      resourceType: 'OperationOutcome',
      issue: [
        { severity: 'warning', code: 'informational', diagnostics: 'ignored' },
        {
          severity: 'error',
          code: 'invalid',
          diagnostics: 'bad CNIE',
          expression: ['Patient.identifier[0].value'],
        },
      ],
    });
    assert.equal(error.code, 'invalid');
    assert.equal(error.diagnostics, 'bad CNIE');
    assert.deepEqual(blamedPaths(error), ['Patient.identifier[0].value']);
  });
  it('reads the OAuth-style answers of /auth and keeps their extra fields', () => {
    const error = new ApiError(401, {
      error: 'second_factor_required',
      error_description: 'Enter the code',
      factor: 'totp',
    });
    assert.equal(error.code, 'second_factor_required');
    assert.equal(error.extra.factor, 'totp');
  });
});

describe('errorMessageKey', () => {
  it('explains each kind of failure with its own message', () => {
    assert.equal(errorMessageKey(new ApiError(403, {})), 'forbidden');
    assert.equal(errorMessageKey(new ApiError(412, {})), 'conflict');
    assert.equal(errorMessageKey(new ApiError(422, {})), 'invalid');
    assert.equal(errorMessageKey(new ApiError(503, 'down')), 'server');
    assert.equal(errorMessageKey(new TypeError('Failed to fetch')), 'network');
    assert.equal(errorMessageKey(new Error('x')), 'unknown');
  });
  it('explains an /auth refusal by its code, not by its status', () => {
    const body = (error: string) => ({ error, error_description: 'English for developers' });
    assert.equal(errorMessageKey(new ApiError(401, body('invalid_credentials'))), 'credentials');
    assert.equal(errorMessageKey(new ApiError(400, body('invalid_token'))), 'linkUsed');
    assert.equal(errorMessageKey(new ApiError(403, body('csrf'))), 'session');
    // an OperationOutcome's issue code that happens to share a name keeps the status's message
    const outcome = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'forbidden' }] };
    assert.equal(errorMessageKey(new ApiError(404, outcome)), 'notFound');
  });
});

/**
 * Every error a person can meet is shown in their language with a next step: each code of the
 * /auth catalogue, and any status a FHIR or /api route answers (its OperationOutcome's English
 * diagnostics never reach the page).
 */
describe('every server error reaches a person translated, with a next step', () => {
  const bundles = { fr, ar, en };
  const serverTexts = [
    'Sign in, or send a bearer token (see /.well-known/smart-configuration)',
    'Patient/123 does not exist',
    'This link is invalid, expired or already used: ask for a new one',
  ];
  const failures: { name: string; error: ApiError; english: string }[] = [
    ...(Object.entries(AUTH_ERRORS) as [AuthErrorCode, number][]).map(([code, status]) => ({
      name: `/auth ${code}`,
      english: serverTexts[2],
      error: new ApiError(status, { error: code, error_description: serverTexts[2] }),
    })),
    ...Array.from({ length: 200 }, (_, i) => 400 + i).map((status, i) => ({
      name: `OperationOutcome ${status}`,
      english: serverTexts[i % 2],
      error: new ApiError(status, {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'processing', diagnostics: serverTexts[i % 2] }],
      }),
    })),
  ];

  for (const [language, messages] of Object.entries(bundles)) {
    it(`in ${language}`, () => {
      for (const { name, error, english } of failures) {
        const key = errorMessageKey(error);
        const text = messages.errors[key];
        const next = messages.errors.next[key];
        assert.ok(text?.trim(), `${name}: no message '${key}' in ${language}`);
        assert.ok(next?.trim(), `${name}: no next step for '${key}' in ${language}`);
        assert.notEqual(next, text, `${name}: the next step repeats the message`);
        for (const shown of [text, next]) {
          assert.ok(!shown.includes(english), `${name}: the server's English reaches the page`);
          if (language === 'ar')
            assert.doesNotMatch(shown, /[A-Za-z]{3,}/, `${name}: Latin words in Arabic: ${shown}`);
        }
      }
    });
  }

  it('each /auth code is a refusal of the client (4xx), named in snake_case', () => {
    for (const [code, status] of Object.entries(AUTH_ERRORS)) {
      assert.match(code, /^[a-z_]+$/);
      assert.ok(status >= 400 && status < 500, `${code}: ${status}`);
    }
  });
});
