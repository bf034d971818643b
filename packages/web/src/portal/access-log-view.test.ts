import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AccessLogEntry } from '../api/access.ts';
import {
  type AccessItem,
  accessLine,
  actorName,
  groupVisits,
  practitionerReferences,
} from './access-log-view.ts';

describe('accessLine', () => {
  it('says who looked at which parts of the record, each part once', () => {
    const line = accessLine({
      when: '2026-06-01T10:00:00Z',
      who: { display: 'Dr Khalid Filali', reference: 'Practitioner/4', roles: ['doctor'], self: false },
      action: 'E',
      what: ['Observation/1', 'Observation/2', 'Condition/3', 'ccess'],
      breakGlass: false,
      outcome: 'success',
    });
    assert.equal(line.kind, 'view');
    assert.deepEqual(line.types, ['Observation', 'Condition']);
    assert.deepEqual(line.roles, ['doctor']);
    assert.ok(!line.self && !line.refused);
  });
  it('keeps the emergency reason and reads the first sketch of the contract too', () => {
    const line = accessLine({
      when: '2026-06-01T10:00:00Z',
      who: 'Dr Salma Benjelloun',
      role: 'doctor',
      action: 'R',
      purpose: 'emergency',
      breakGlass: true,
      breakGlassReason: 'Patient inconscient',
      outcome: 'failure',
    });
    assert.equal(line.name, 'Dr Salma Benjelloun');
    assert.equal(line.reason, 'Patient inconscient');
    assert.equal(line.purpose, 'emergency');
    assert.ok(line.breakGlass && line.refused);
  });
});

const doctor = { display: 'Dr Khalid Filali', reference: 'Practitioner/4', roles: ['doctor'], self: false };
const item = (when: string, entry: Partial<AccessLogEntry>): AccessItem => ({
  key: when,
  when,
  line: accessLine({ when, who: doctor, action: 'R', breakGlass: false, outcome: 'success', ...entry }),
});

describe('the access log as a patient reads it', () => {
  it('one chart opening (identity, a search, reads) is one line listing each part once', () => {
    const lines = groupVisits([
      item('2026-06-01T10:04:00Z', { what: ['Observation/1', 'Condition/3'] }),
      item('2026-06-01T10:01:00Z', { action: 'E', what: ['Observation'] }),
      item('2026-06-01T10:00:00Z', { what: ['Patient/7'] }),
    ]);
    assert.equal(lines.length, 1);
    assert.equal(lines[0].when, '2026-06-01T10:04:00Z');
    assert.deepEqual(lines[0].line.types, ['Observation', 'Condition', 'Patient']);
  });
  it('keeps apart another day, another carer, a change, an emergency access and a refusal', () => {
    const lines = groupVisits([
      item('2026-06-02T10:00:00Z', { what: ['Patient/7'] }),
      item('2026-06-01T10:09:00Z', { what: ['Patient/7'], breakGlass: true, breakGlassReason: 'coma' }),
      item('2026-06-01T10:08:00Z', { what: ['Observation/9'], outcome: 'failure' }),
      item('2026-06-01T10:07:00Z', { action: 'U', what: ['Condition/3'] }),
      item('2026-06-01T10:06:00Z', {
        who: { ...doctor, display: 'Dr Salma Benjelloun' },
        what: ['Patient/7'],
      }),
      item('2026-06-01T10:05:00Z', { what: ['Patient/7'] }),
      item('2026-06-01T09:00:00Z', { what: ['Patient/7'] }),
    ]);
    assert.equal(lines.length, 7);
    assert.equal(lines[1].line.reason, 'coma');
  });
  it('a failed sign-in of the patient is a sign-in, never "you consulted", and is never merged', () => {
    const self = { display: 'Amina Alaoui', reference: 'Patient/7', roles: ['patient'], self: true };
    const lines = groupVisits([
      item('2026-06-01T10:01:00Z', { who: self, action: 'E', interaction: 'Login', outcome: 'failure' }),
      item('2026-06-01T10:00:00Z', { who: self, action: 'E', interaction: 'Login', outcome: 'failure' }),
    ]);
    assert.equal(lines.length, 2);
    assert.equal(lines[0].line.kind, 'signIn');
    assert.ok(lines[0].line.self && lines[0].line.refused);
  });
  it('a system client is named as a system, its id kept aside, not as a person', () => {
    const { line } = item('2026-06-01T10:00:00Z', {
      who: { display: 'demo-system', roles: [], self: false },
      client: 'demo-system',
      what: ['Patient/7'],
    });
    assert.equal(line.app, 'demo-system');
    const person = item('2026-06-01T10:00:00Z', { client: 'web', what: ['Patient/7'] }).line;
    assert.equal(person.app, undefined);
  });
});

describe('a practitioner named in the reader’s script', () => {
  const entry = (who: AccessLogEntry['who']): AccessLogEntry => ({
    when: '2026-06-01T10:00:00Z',
    who,
    breakGlass: true,
    outcome: 'success',
  });
  const filali = {
    name: [
      { use: 'official' as const, text: 'Dr Khalid Filali' },
      {
        use: 'usual' as const,
        text: 'د. خالد الفيلالي',
        extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/language', valueCode: 'ar' }],
      },
    ],
  };

  it('asks the directory once for each practitioner the log names, and for nobody else', () => {
    const refs = practitionerReferences([
      entry({ display: 'Dr Khalid Filali', reference: 'Practitioner/4', roles: ['doctor'] }),
      entry({ display: 'Dr Khalid Filali', reference: 'Practitioner/4', roles: ['doctor'] }),
      entry({ display: 'Houda Zerouali', reference: 'Patient/7', self: true }),
      entry('Dr Salma Benjelloun'),
      entry({ display: 'demo-system' }),
    ]);
    assert.deepEqual(refs, ['Practitioner/4']);
  });

  it('shows the Arabic form on an Arabic page, the recorded name otherwise or when not found', () => {
    assert.equal(actorName('Dr Khalid Filali', filali, 'ar'), 'د. خالد الفيلالي');
    assert.equal(actorName('Dr Khalid Filali', filali, 'fr'), 'Dr Khalid Filali');
    assert.equal(actorName('Dr Khalid Filali', undefined, 'ar'), 'Dr Khalid Filali');
    assert.equal(actorName('Dr Khalid Filali', { name: [] }, 'ar'), 'Dr Khalid Filali');
  });
});
