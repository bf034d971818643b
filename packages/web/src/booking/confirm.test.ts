import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Patient } from '@medplum/fhirtypes';
import { CHANNEL_URL, channelChoices, contactsOf, currentChannel, withChannel } from './confirm.ts';

const patient = (telecom: Patient['telecom'], channel?: string): Patient => ({
  resourceType: 'Patient',
  id: 'p1',
  telecom,
  ...(channel ? { extension: [{ url: CHANNEL_URL, valueCode: channel }] } : {}),
});
const both = [
  { system: 'phone' as const, value: '+212600000001' },
  { system: 'email' as const, value: 'houda@example.ma' },
];

describe('how the patient hears about the appointment', () => {
  it('asks only when the record has both an email and a phone number', () => {
    assert.deepEqual(channelChoices(contactsOf(patient(both))), ['sms', 'email', 'both']);
    assert.deepEqual(channelChoices(contactsOf(patient([{ system: 'phone', value: '+212600000001' }]))), []);
    assert.deepEqual(channelChoices(contactsOf(patient(undefined))), []);
  });

  it('starts from the choice made, else from what the reminders do without one', () => {
    assert.equal(currentChannel(patient(both, 'both')), 'both');
    assert.equal(currentChannel(patient(both)), 'email');
    assert.equal(currentChannel(patient([{ system: 'phone', value: '+212600000001' }])), 'sms');
    assert.equal(currentChannel(patient([])), undefined);
  });

  it('writes the choice in the one extension the reminders read, and nothing when unchanged', () => {
    const changed = withChannel(patient(both, 'email'), 'sms');
    assert.deepEqual(changed?.extension, [{ url: CHANNEL_URL, valueCode: 'sms' }]);
    assert.equal(withChannel(patient(both, 'sms'), 'sms'), undefined);
    const first = withChannel({ ...patient(both), extension: [{ url: 'x', valueString: 'kept' }] }, 'both');
    assert.deepEqual(first?.extension, [
      { url: 'x', valueString: 'kept' },
      { url: CHANNEL_URL, valueCode: 'both' },
    ]);
  });
});
