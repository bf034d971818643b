import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Appointment } from '@medplum/fhirtypes';
import { localDate } from '../booking/time.ts';
import { agendaHref, canMarkNoShow, periodOf } from './agenda.ts';

describe('the agenda’s period', () => {
  it('shows today by default, one local day from midnight to midnight', () => {
    const p = periodOf(null, null, '2026-12-02');
    assert.deepEqual(p.days, ['2026-12-02']);
    assert.equal(localDate(p.start), '2026-12-02');
    assert.equal(localDate(new Date(Date.parse(p.end) - 1)), '2026-12-02');
    assert.equal(localDate(p.end), '2026-12-03');
    assert.equal(p.previous, '2026-12-01');
    assert.equal(p.next, '2026-12-03');
  });
  it('shows a week from Monday, with the weeks before and after', () => {
    const p = periodOf('week', '2026-12-03', '2026-12-02');
    assert.equal(p.days.length, 7);
    assert.equal(p.days[0], '2026-11-30');
    assert.equal(p.previous, '2026-11-23');
    assert.equal(p.next, '2026-12-07');
    assert.equal(agendaHref('week', p.next), '/clinician/agenda?view=week&date=2026-12-07');
  });
  it('ignores a date that is not one', () => {
    assert.deepEqual(periodOf('day', '2026-13-45', '2026-12-02').days, ['2026-12-02']);
  });
});

describe('no-shows', () => {
  const at = (start: string, status: Appointment['status'] = 'booked'): Appointment => ({
    resourceType: 'Appointment',
    status,
    start,
    participant: [],
  });
  const now = new Date('2026-12-02T10:00:00Z');
  it('are recorded after the start of a booked appointment only', () => {
    assert.ok(canMarkNoShow(at('2026-12-02T09:30:00Z'), now));
    assert.ok(!canMarkNoShow(at('2026-12-02T10:30:00Z'), now));
    assert.ok(!canMarkNoShow(at('2026-12-02T09:30:00Z', 'cancelled'), now));
    assert.ok(!canMarkNoShow(at('2026-12-02T09:30:00Z', 'noshow'), now));
  });
});
