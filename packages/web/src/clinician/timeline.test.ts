import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Condition, Encounter, Observation } from '@medplum/fhirtypes';
import { timelineOf } from './timeline.ts';

const encounter: Encounter = {
  resourceType: 'Encounter',
  id: 'e1',
  status: 'finished',
  class: { code: 'AMB' },
  period: { start: '2026-03-01T09:00:00+01:00' },
};
const during: Observation = {
  resourceType: 'Observation',
  id: 'o1',
  status: 'final',
  code: { text: 'weight' },
  encounter: { reference: 'Encounter/e1' },
  effectiveDateTime: '2026-03-01T09:10:00+01:00',
};
const atHome: Observation = { ...during, id: 'o2', encounter: undefined, effectiveDateTime: '2026-04-01' };
const diagnosis: Condition = {
  resourceType: 'Condition',
  id: 'c1',
  subject: { reference: 'Patient/1' },
  onsetDateTime: '2020-01-01',
};

describe('timelineOf', () => {
  it('puts measurements inside their encounter and lists the rest on their own, newest first', () => {
    const items = timelineOf({
      encounters: [encounter],
      observations: [during, atHome],
      conditions: [diagnosis],
    });
    assert.deepEqual(
      items.map((i) => i.kind),
      ['observation', 'encounter', 'condition'],
    );
    const visit = items[1];
    assert.ok(visit.kind === 'encounter' && visit.observations[0].id === 'o1');
  });
  it('leaves out what has no date', () => {
    const undated: Encounter = { ...encounter, period: undefined };
    assert.equal(timelineOf({ encounters: [undated], observations: [], conditions: [] }).length, 0);
  });
});
