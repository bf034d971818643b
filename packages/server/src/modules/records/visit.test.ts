import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Observation } from '@medplum/fhirtypes';
import { pniStatus } from './pni.ts';
import { summarise } from './summary.ts';
import { div, noteText, visitBundle, visitProblems } from './visit.ts';
import { interpretation, vitalByKey } from './vitals.ts';

const author = { reference: 'Practitioner/d1', display: 'Dr Alami' };

describe('a visit as a FHIR transaction', () => {
  it('every resource points at the patient and the Encounter, and a signed note is final and attested', () => {
    const bundle = visitBundle(
      {
        patient: 'Patient/p1',
        mode: 'mobile-unit',
        vitals: { systolic: 150, diastolic: 80, temperature: 38.2 },
        diagnoses: [{ code: 'j06.9', text: 'Rhinopharyngite' }],
        immunizations: [{ antigen: 'BCG', dose: 1 }],
        orders: [{ kind: 'referral', text: 'Avis ORL', performer: 'Practitioner/d2' }],
        note: 'a < b & c',
        sign: true,
      },
      author,
      new Date('2026-01-05T10:00:00Z'),
    );
    const types = bundle.entry!.map((e) => e.resource!.resourceType);
    assert.deepEqual(types, [
      'Encounter',
      'Observation',
      'Observation',
      'Condition',
      'Immunization',
      'ServiceRequest',
      'Task',
      'Composition',
    ]);
    const encounter = bundle.entry![0];
    assert.equal((encounter.resource as { class: { code: string } }).class.code, 'FLD');
    for (const e of bundle.entry!.slice(1))
      assert.match(JSON.stringify(e.resource), new RegExp(encounter.fullUrl!));
    const panel = bundle.entry![1].resource as Observation;
    assert.equal(panel.code.coding![0].code, '85354-9');
    assert.equal(panel.component![0].interpretation![0].coding![0].code, 'H');
    const condition = bundle.entry![3].resource as {
      code: { coding: { code: string; display: string }[]; text: string };
    };
    assert.equal(condition.code.coding[0].code, 'J06.9');
    assert.equal(
      condition.code.coding[0].display,
      'Infection des voies respiratoires supérieures, sans précision',
    );
    assert.equal(condition.code.text, 'Rhinopharyngite', "the clinician's wording is kept");
    const note = bundle.entry!.at(-1)!.resource as {
      status: string;
      attester: unknown[];
      section: { text: { div: string } }[];
    };
    assert.equal(note.status, 'final');
    assert.equal(note.attester.length, 1);
    assert.ok(note.section[0].text.div.includes('a &lt; b &amp; c'));
  });

  it('names each field it refuses', () => {
    const problems = visitProblems({
      patient: 'Patient/p1',
      mode: 'in-person',
      vitals: { systolic: 999, pulse: 80 },
      diagnoses: [{ code: 'HTA', text: '' }],
      medications: [{ code: '000', dosage: '' }],
      orders: [{ kind: 'referral', text: 'x' }],
      sign: true,
    });
    const fields = problems.map((p) => p.split(':')[0]);
    for (const f of [
      'vitals.systolic',
      'vitals.pulse',
      'diagnoses[0].code',
      'medications[0].code',
      'medications[0].dosage',
      'orders[0].performer',
      'note',
    ])
      assert.ok(fields.includes(f), `${f} in ${fields}`);
    assert.ok(!fields.includes('diagnoses[0].text'), 'the wording is optional: the code has a title');
  });

  it('refuses a well-formed code that ICD-10 does not have, and takes one written without its dot', () => {
    const visit = (code: string) => ({
      patient: 'Patient/p1',
      mode: 'in-person' as const,
      diagnoses: [{ code }],
    });
    assert.match(visitProblems(visit('J02.7')).join(), /diagnoses\[0\]\.code: J02\.7 is not an ICD-10 code/);
    assert.match(visitProblems(visit('A00.5')).join(), /diagnoses\[0\]\.code/);
    assert.deepEqual(visitProblems(visit('j029')), []);
    assert.deepEqual(visitProblems(visit('N18.5')), []);
  });

  it('interprets values against the usual range', () => {
    assert.equal(interpretation(vitalByKey('oxygenSaturation')!, 91), 'L');
    assert.equal(interpretation(vitalByKey('heartRate')!, 72), 'N');
    assert.equal(interpretation(vitalByKey('weight')!, 72), undefined);
  });

  it('the note survives its XHTML round trip', () => {
    const text = 'Ligne 1\nLigne 2 <b>';
    assert.equal(
      noteText({
        resourceType: 'Composition',
        status: 'final',
        type: {},
        date: '',
        author: [],
        title: '',
        section: [{ text: { status: 'generated', div: div(text) } }],
      }),
      text,
    );
  });
});

describe('the national immunisation schedule', () => {
  it('says which doses are done, due, late or upcoming', () => {
    const status = pniStatus(
      '2026-01-01',
      [
        {
          resourceType: 'Immunization',
          status: 'completed',
          vaccineCode: { coding: [{ system: 'https://sahti.ma/fhir/CodeSystem/pni-antigen', code: 'BCG' }] },
          patient: { reference: 'Patient/c' },
          occurrenceDateTime: '2026-01-02',
          protocolApplied: [{ doseNumberPositiveInt: 1 }],
        },
      ],
      new Date('2026-03-20T00:00:00Z'),
    );
    const of = (antigen: string, dose: number) =>
      status.find((d) => d.antigen === antigen && d.dose === dose)!.state;
    assert.equal(of('BCG', 1), 'done');
    assert.equal(of('HB', 1), 'late'); // due at birth, not given
    assert.equal(of('DTC', 2), 'due'); // 10 weeks: 12 March
    assert.equal(of('VAR', 1), 'upcoming');
  });
});

describe('the summary of a record', () => {
  it('keeps active problems and allergies, the blood group and the emergency contact', () => {
    const s = summarise({
      patient: {
        resourceType: 'Patient',
        name: [{ text: 'Amina Tazi' }, { text: 'أمينة التازي' }],
        contact: [{ name: { text: 'Youssef' }, telecom: [{ system: 'phone', value: '+2126' }] }],
      },
      conditions: [
        {
          resourceType: 'Condition',
          subject: {},
          code: { text: 'HTA' },
          clinicalStatus: { coding: [{ code: 'active' }] },
        },
        {
          resourceType: 'Condition',
          subject: {},
          code: { text: 'Angine' },
          clinicalStatus: { coding: [{ code: 'resolved' }] },
        },
      ],
      allergies: [
        {
          resourceType: 'AllergyIntolerance',
          patient: {},
          code: { text: 'Pénicilline' },
          criticality: 'high',
        },
      ],
      statements: [],
      requests: [],
      immunizations: [],
      observations: [
        {
          resourceType: 'Observation',
          status: 'final',
          code: { coding: [{ code: '882-1' }] },
          valueString: 'O+',
        },
      ],
      compositions: [],
    });
    assert.equal(s.arabicName, 'أمينة التازي');
    assert.deepEqual(
      s.problems.map((p) => p.text),
      ['HTA'],
    );
    assert.equal(s.allergies[0].high, true);
    assert.equal(s.bloodGroup, 'O+');
    assert.equal(s.emergencyContact?.phone, '+2126');
  });
});
