import assert from 'node:assert/strict';
import { test } from 'node:test';
import { noteSections } from '../clinical/note-text.ts';
import { consultationReport, reportProblems, reportSectionKey } from './report.ts';

test('the report is a final consult note of the encounter, its text escaped', () => {
  const values = { reason: 'Toux <3 semaines>', findings: '', conclusion: 'Bronchite & repos', plan: '' };
  const c = consultationReport({
    values,
    patient: 'Patient/p',
    encounter: 'Encounter/e',
    author: 'Practitioner/d',
    date: '2026-01-01',
  });
  assert.equal(c.type.coding?.[0].code, '11488-4');
  assert.equal(c.section?.length, 2, 'empty sections are left out');
  assert.equal(
    c.section?.[0].text?.div,
    '<div xmlns="http://www.w3.org/1999/xhtml">Toux &lt;3 semaines&gt;</div>',
  );
  assert.deepEqual(reportProblems({ reason: '', findings: '', conclusion: 'ok', plan: '' }), [
    'reason',
    'conclusion',
  ]);
});

test('each section of a report is read back with the form field it came from, by its LOINC code', () => {
  const c = consultationReport({
    values: { reason: 'Toux', findings: '', conclusion: 'Bronchite', plan: 'Repos & eau' },
    patient: 'Patient/p',
    encounter: 'Encounter/e',
    author: 'Practitioner/d',
    authorName: 'Dr Youssef Benjelloun',
    date: '2026-01-01',
  });
  assert.equal(c.author?.[0].display, 'Dr Youssef Benjelloun');
  assert.deepEqual(
    noteSections(c).map((s) => [reportSectionKey(s.code), s.text]),
    [
      ['reason', 'Toux'],
      ['conclusion', 'Bronchite'],
      ['plan', 'Repos & eau'],
    ],
  );
});
