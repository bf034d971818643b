import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  proposeChairs,
  sessionBody,
  sessionIsDue,
  sessionProblems,
  shiftOfTime,
  stateKind,
  tripProblems,
} from './rules.ts';

describe('dialysis screens’ rules', () => {
  it('a trip needs a place, an arrival from today and a departure after it, within 60 days', () => {
    assert.deepEqual(
      tripProblems({ destination: 'Agadir', arrival: '2027-03-01', departure: '2027-03-07' }, '2027-02-01'),
      [],
    );
    assert.deepEqual(
      tripProblems({ destination: ' ', arrival: '2027-01-01', departure: '2026-12-01' }, '2027-02-01').map(
        (p) => p.field,
      ),
      ['destination', 'arrival', 'departure'],
    );
    assert.equal(
      tripProblems({ destination: 'Fès', arrival: '2027-03-01', departure: '2027-05-15' }, '2027-02-01')[0]
        .key,
      'trip.errors.tooLong',
    );
  });

  it('a session record checks each measure’s range and reads a comma as a decimal point', () => {
    const ok = {
      preWeightKg: '66,2',
      postWeightKg: '64.1',
      preSystolic: '150',
      preDiastolic: '85',
      postSystolic: '130',
      postDiastolic: '78',
      ultrafiltrationMl: '2100',
      durationMinutes: '240',
      incidents: 'Crampes\n',
      medicines: 'Époétine alfa 4000 UI — 1 injection IV\nFer IV',
    };
    assert.deepEqual(sessionProblems(ok), []);
    assert.deepEqual(
      sessionProblems({ ...ok, postWeightKg: '', durationMinutes: '5' }).map((p) => p.field),
      ['postWeightKg', 'durationMinutes'],
    );
    const body = sessionBody(ok);
    assert.equal(body.preWeightKg, 66.2);
    assert.deepEqual(body.incidents, ['Crampes']);
    assert.deepEqual(body.medicines, [
      { name: 'Époétine alfa 4000 UI', dose: '1 injection IV' },
      { name: 'Fer IV' },
    ]);
  });

  it('each wanted session gets a chair that day, at the patient’s shift when one is free', () => {
    const free = [
      { slot: 'Slot/a', date: '2027-03-01', start: '2027-03-01T05:00:00Z', chair: 'F1' },
      { slot: 'Slot/b', date: '2027-03-01', start: '2027-03-01T09:30:00Z', chair: 'F2' },
      { slot: 'Slot/c', date: '2027-03-03', start: '2027-03-03T05:00:00Z', chair: 'F1' },
    ];
    const local = (iso: string) => `${String(new Date(iso).getUTCHours() + 1).padStart(2, '0')}:00`;
    assert.deepEqual(
      proposeChairs(
        [
          { date: '2027-03-01', shift: 'midday' },
          { date: '2027-03-03', shift: 'afternoon' },
          { date: '2027-03-05', shift: 'morning' },
        ],
        free,
        local,
      ),
      { '2027-03-01': 'Slot/b', '2027-03-03': 'Slot/c' },
    );
  });

  it('shifts and states', () => {
    assert.equal(shiftOfTime('06:00'), 'morning');
    assert.equal(shiftOfTime('10:30'), 'midday');
    assert.equal(shiftOfTime('15:00'), 'afternoon');
    assert.equal(stateKind('confirmed'), 'success');
    assert.equal(stateKind('declined'), 'grey');
  });

  it('a session is offered for check-in and recording from 36 hours before its start, not earlier', () => {
    const now = Date.parse('2027-03-01T08:00:00Z');
    assert.equal(sessionIsDue('2027-03-01T10:30:00Z', now), true);
    assert.equal(sessionIsDue('2027-02-28T10:30:00Z', now), true, 'a past session can still be recorded');
    assert.equal(sessionIsDue('2027-03-02T20:00:00Z', now), true);
    assert.equal(sessionIsDue('2027-03-02T20:00:01Z', now), false);
    assert.equal(sessionIsDue(undefined, now), false);
  });
});
