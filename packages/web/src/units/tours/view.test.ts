import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { UnitDetail } from '../api.ts';
import { checklistOrder, checkState, listOf, teamPlaces, weekdayName } from './view.ts';

const member = (role: 'gp' | 'nurse' | 'assistant', id: string): UnitDetail['roster'][number] => ({
  role,
  practitioner: `Practitioner/${id}`,
  name: `Dr ${id}`,
  roleId: `r-${id}`,
  names: [
    { use: 'official', family: `Family${id}`, given: ['Given'] },
    {
      family: 'العلوي',
      given: ['أحمد'],
      extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/language', valueCode: 'ar' }],
    },
  ],
});

describe('the unit screen', () => {
  it('names the weekdays in the reader’s language', () => {
    assert.equal(weekdayName('fr', 'mon'), 'lundi');
    assert.equal(weekdayName('en', 'fri'), 'Friday');
    assert.equal(weekdayName('ar', 'wed'), 'الأربعاء');
  });

  it('shows the team as the programme’s four places, names in the reader’s script, vacancies kept', () => {
    const places = teamPlaces([member('nurse', 'n1'), member('gp', 'g1')], 'ar');
    assert.deepEqual(
      places.map((p) => [p.role, p.name]),
      [
        ['gp', 'أحمد العلوي'],
        ['nurse', 'أحمد العلوي'],
        ['nurse', ''],
        ['assistant', ''],
      ],
    );
    assert.equal(teamPlaces([member('gp', 'g1')], 'fr')[0]?.name, 'Given Familyg1');
    assert.equal(teamPlaces([member('gp', 'a'), member('gp', 'b')], 'fr').length, 5, 'a second GP is kept');
  });

  it('lists in the reader’s language and keeps the equipment in checklist order', () => {
    assert.equal(listOf('fr', ['a', 'b', 'c']), 'a, b et c');
    assert.equal(listOf('ar', ['أ', 'ب']), 'أ وب');
    assert.deepEqual(
      checklistOrder([
        { id: '1', kind: 'camera', serial: 'C' },
        { id: '2', kind: 'bp-monitor', serial: 'B2' },
        { id: '3', kind: 'bp-monitor', serial: 'B1' },
      ]).map((d) => d.id),
      ['3', '2', '1'],
    );
  });

  it('gives each device its state at the last check', () => {
    const check = {
      id: 'q',
      items: [
        { device: 'Device/1', present: true, working: true },
        { device: 'Device/2', present: true, working: false },
        { device: 'Device/3', present: false, working: false },
      ],
    };
    assert.deepEqual(
      ['Device/1', 'Device/2', 'Device/3', 'Device/4'].map((id) => checkState({ id }, check)),
      ['ok', 'notWorking', 'missing', 'unchecked'],
    );
    assert.equal(checkState({ id: 'Device/1' }, undefined), 'unchecked');
  });
});
