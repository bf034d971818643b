import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Schedule } from '@medplum/fhirtypes';
import { templateExtension, type WeeklyTemplate } from '../../scheduling/template.ts';
import { nextVisit, visitsOn } from './visits.ts';

const weekdays: WeeklyTemplate = {
  slotMinutes: 60,
  sessions: (['mon', 'tue', 'wed', 'thu', 'fri'] as const).map((day) => ({
    day,
    start: '09:00',
    end: '15:00',
  })),
  exceptions: [],
  closedOnHolidays: true,
};

const stop = (id: string, template: WeeklyTemplate, horizon?: Schedule['planningHorizon']): Schedule => ({
  resourceType: 'Schedule',
  id,
  active: true,
  actor: [{ reference: `Location/${id}` }],
  extension: [templateExtension(template)],
  ...(horizon ? { planningHorizon: horizon } : {}),
});

describe('the days a tour visits its stops', () => {
  it('visits on the days of its template, not at the weekend', () => {
    const s = stop('a', weekdays);
    assert.equal(visitsOn(s, '2026-12-04'), true); // Friday
    assert.equal(visitsOn(s, '2026-12-05'), false); // Saturday
  });

  it('does not visit on a public holiday, as its Slots and notices do not — unless the template works holidays', () => {
    assert.equal(visitsOn(stop('a', weekdays), '2026-07-30'), false); // Throne Day, a Thursday
    assert.equal(visitsOn(stop('a', weekdays), '2027-01-01'), false); // New Year, a Friday
    assert.equal(visitsOn(stop('a', { ...weekdays, closedOnHolidays: false }), '2027-01-01'), true);
  });

  it('does not visit on a closed day, nor past its planning horizon', () => {
    const closed = stop('a', {
      ...weekdays,
      exceptions: [{ from: '2026-12-07', to: '2026-12-08', kind: 'closed', label: 'Panne' }],
    });
    assert.equal(visitsOn(closed, '2026-12-08'), false);
    assert.equal(visitsOn(closed, '2026-12-09'), true);
    const published = stop('a', weekdays, { start: '2026-11-30', end: '2026-12-13' });
    assert.equal(visitsOn(published, '2026-12-11'), true);
    assert.equal(visitsOn(published, '2026-12-14'), false);
  });

  it('names the next day and its stop past a weekend and a holiday, or none within four weeks', () => {
    const monday = stop('mon', { ...weekdays, sessions: [weekdays.sessions[0]] });
    const friday = stop('fri', { ...weekdays, sessions: [weekdays.sessions[4]] });
    // from Thursday 31 December: Friday 1 January is New Year, so Monday 4 January
    assert.deepEqual(nextVisit([monday, friday], '2026-12-31'), {
      date: '2027-01-04',
      stop: { reference: 'Location/mon' },
    });
    assert.deepEqual(nextVisit([friday], '2026-12-03'), {
      date: '2026-12-04',
      stop: { reference: 'Location/fri' },
    });
    assert.equal(nextVisit([stop('a', weekdays, { end: '2026-12-05' })], '2026-12-04'), null);
  });
});
