import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { Immunization } from '@medplum/fhirtypes';
import { PLATFORM_ROLES } from '@sahti/contracts';
import { SPECIALTIES } from '../../../server/src/modules/scheduling/terms.ts';
import { ar } from './i18n/ar.ts';
import { en } from './i18n/en.ts';
import { fr } from './i18n/fr.ts';
import {
  CVX,
  listText,
  PNI_ANTIGEN,
  pniAgeLabel,
  pniDoseLabel,
  roleLabel,
  SNOMED,
  specialtiesText,
  specialtyLabel,
  vaccineLabel,
} from './labels.ts';

const LATIN = /[A-Za-z]/;

/** The national schedule as published (the server reads the same file). */
const schedule = readFileSync(
  new URL('../../../../data/reference/pni-schedule-ma.csv', import.meta.url),
  'utf8',
)
  .trim()
  .split(/\r?\n/)
  .slice(1)
  .map((line) => {
    const [ageDays, ageLabel, antigen, dose, vaccine, cvx] = line.split(',');
    return { ageDays: Number(ageDays), ageLabel, antigen, dose, vaccine, cvx };
  });

const dose = (antigen: string | undefined, n: number | string, cvx?: string, text?: string) =>
  ({
    vaccineCode: {
      coding: [
        ...(antigen ? [{ system: PNI_ANTIGEN, code: antigen, display: text }] : []),
        ...(cvx ? [{ system: CVX, code: cvx }] : []),
      ],
      ...(text ? { text } : {}),
    },
    protocolApplied: [typeof n === 'number' ? { doseNumberPositiveInt: n } : { doseNumberString: n }],
  }) satisfies Pick<Immunization, 'vaccineCode' | 'protocolApplied'>;

describe('vaccines', () => {
  it('has words for every dose and age of the published schedule, the French as published', () => {
    assert.ok(schedule.length >= 14);
    for (const row of schedule) {
      assert.equal(pniDoseLabel('fr', row.antigen, row.dose), row.vaccine, `${row.antigen}-${row.dose}`);
      assert.equal(pniAgeLabel('fr', row.ageDays), row.ageLabel);
      for (const language of ['ar', 'en'] as const) {
        assert.ok(pniDoseLabel(language, row.antigen, row.dose), `${language} ${row.antigen}-${row.dose}`);
        assert.ok(pniAgeLabel(language, row.ageDays), `${language} ${row.ageDays}`);
      }
      assert.doesNotMatch(pniDoseLabel('ar', row.antigen, row.dose), LATIN);
      assert.doesNotMatch(pniAgeLabel('ar', row.ageDays), LATIN);
      assert.ok(Object.hasOwn(fr.vaccines.cvx, row.cvx), `CVX ${row.cvx} of ${row.vaccine}`);
    }
  });

  it('names a PNI dose from its antigen and number, the birth dose written as the string "0"', () => {
    const hb1 = dose('HB', 1, '08', 'Hépatite B (HB1)');
    assert.equal(vaccineLabel('fr', hb1), 'Hépatite B (HB1)');
    assert.equal(vaccineLabel('ar', hb1), 'التهاب الكبد ب (الجرعة 1)');
    assert.equal(vaccineLabel('en', hb1), 'Hepatitis B (HepB1)');
    assert.equal(vaccineLabel('ar', dose('VPO', '0', '02')), ar.vaccines.pni['VPO-0']);
  });

  it('falls back to the CVX code, then to the text as recorded', () => {
    // a record from elsewhere: CVX only, an English display
    const flu = dose(undefined, 1, '141', 'Influenza, seasonal, injectable');
    assert.equal(vaccineLabel('ar', flu), 'الإنفلونزا الموسمية');
    assert.equal(vaccineLabel('en', flu), en.vaccines.cvx['141']);
    // a PNI antigen at a dose the schedule does not have: the vaccine by its CVX code
    assert.equal(vaccineLabel('fr', dose('HB', 4, '08')), fr.vaccines.cvx['08']);
    assert.equal(vaccineLabel('ar', dose(undefined, 1, '999', 'Vaccin X')), 'Vaccin X');
  });

  it('writes every Arabic vaccine name in Arabic script', () => {
    for (const text of [...Object.values(ar.vaccines.pni), ...Object.values(ar.vaccines.cvx)])
      assert.doesNotMatch(text, LATIN, text);
  });
});

describe('specialties', () => {
  const cardiology = {
    coding: [{ system: SNOMED, code: '394579002', display: 'Cardiology' }],
    text: 'Cardiologie',
  };

  it('reads the SNOMED CT code, not the French text beside it', () => {
    assert.equal(specialtyLabel('ar', cardiology), 'أمراض القلب');
    assert.equal(specialtyLabel('en', cardiology), 'Cardiology');
    assert.equal(specialtyLabel('fr', cardiology), 'Cardiologie');
  });

  it('keeps the recorded text for a code it does not know, and lists with the language’s comma', () => {
    assert.equal(
      specialtyLabel('ar', { coding: [{ system: SNOMED, code: '1' }], text: 'Gériatrie' }),
      'Gériatrie',
    );
    const nephrology = { coding: [{ system: SNOMED, code: '394589003' }] };
    assert.equal(specialtiesText('ar', [cardiology, nephrology]), 'أمراض القلب، أمراض الكلى');
    assert.equal(specialtiesText('fr', [cardiology, nephrology]), 'Cardiologie, Néphrologie');
    assert.equal(listText('en', ['a', '', 'b']), 'a, b');
  });

  it('has every specialty in every language, Arabic in Arabic script', () => {
    assert.deepEqual(Object.keys(ar.specialties), Object.keys(fr.specialties));
    for (const text of Object.values(ar.specialties)) assert.doesNotMatch(text, LATIN, text);
  });

  it('says what booking’s search says for each specialty patients book (the server’s terms)', () => {
    for (const s of SPECIALTIES) {
      const concept = { coding: [{ system: SNOMED, code: s.code }] };
      for (const language of ['fr', 'ar', 'en'] as const)
        assert.equal(specialtyLabel(language, concept), s[language], `${s.key} (${language})`);
    }
  });
});

describe('roles', () => {
  it('names every platform role and the audit’s acting-for, and keeps an unknown role as it is', () => {
    for (const role of [...PLATFORM_ROLES, 'acting-for']) {
      assert.doesNotMatch(roleLabel('ar', role), LATIN, role);
      assert.notEqual(roleLabel('en', role), role);
    }
    assert.equal(roleLabel('fr', 'doctor'), 'Médecin');
    assert.equal(roleLabel('ar', 'auditor'), 'auditor');
  });
});
