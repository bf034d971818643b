import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FIELD, registration, teleExpertiseRequest, visit } from './records.ts';

let n = 0;
const uuid = () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;

describe('field records as sync entries', () => {
  it('makes every new record a conditional create on its own field identifier', () => {
    const [p] = registration(
      'u1',
      { family: 'Ait', given: 'Fatima', birthDate: '1980-01-01', gender: 'female', cnie: 'ab12345' },
      uuid,
    );
    const id = (p.resource.identifier as { system: string; value: string }[]).find(
      (i) => i.system === FIELD,
    )?.value;
    assert.equal(p.request.ifNoneExist, `identifier=${FIELD}|${id}`);
    assert.equal(p.fullUrl, `urn:uuid:${id}`);
    assert.equal((p.resource.identifier as { value: string }[])[0].value, 'AB12345');
  });
  it('registers a child under a parent with a RelatedPerson', () => {
    const entries = registration(
      'u1',
      {
        family: 'Ait',
        given: 'Sara',
        birthDate: '2022-05-01',
        gender: 'female',
        parent: { reference: 'urn:uuid:p', name: 'Fatima Ait', relationship: 'MTH' },
      },
      uuid,
    );
    assert.equal(entries[1].resource.resourceType, 'RelatedPerson');
    assert.deepEqual(entries[1].resource.patient, { reference: entries[0].fullUrl });
  });
  it('links vitals to the encounter and the device that measured them', () => {
    const entries = visit(
      'u1',
      'urn:uuid:p',
      'Practitioner/g',
      { systolic: 150, diastolic: 95, spo2: 97, devices: { bp: 'Device/d1' } },
      '2026-11-30T09:00:00Z',
      uuid,
    );
    assert.equal(entries.length, 3);
    assert.deepEqual(entries[1].resource.device, { reference: 'Device/d1' });
    assert.deepEqual(entries[1].resource.encounter, { reference: entries[0].fullUrl });
  });
  it('addresses a tele-expertise request to the hub specialty', () => {
    const [sr, task] = teleExpertiseRequest(
      'u1',
      'urn:uuid:p',
      'Practitioner/g',
      { specialty: 'cardiology', priority: 'urgent', question: 'Souffle ?' },
      '2026-11-30T09:00:00Z',
      uuid,
    );
    assert.deepEqual(task.resource.owner, { reference: 'Organization/hub-cardiology' });
    assert.deepEqual(task.resource.focus, { reference: sr.fullUrl });
  });
});
