import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { holidaysBetween, isRamadan, localDate, localToInstant, zoneOffsetMinutes } from './calendar.ts';
import {
  deriveSlots,
  templateExtension,
  templateOf,
  templateProblems,
  type WeeklyTemplate,
} from './template.ts';

const base: WeeklyTemplate = {
  slotMinutes: 30,
  sessions: [
    { day: 'mon', start: '09:00', end: '11:00' },
    { day: 'wed', start: '14:00', end: '15:00' },
  ],
  ramadanSessions: [{ day: 'mon', start: '10:00', end: '11:00' }],
  exceptions: [],
  closedOnHolidays: true,
};

describe('calendar', () => {
  it('turns a Moroccan wall-clock time into the instant the time-zone data gives', () => {
    for (const day of ['2025-06-02', '2026-12-07', '2027-02-15']) {
      const instant = localToInstant(day, '09:00');
      assert.equal(localDate(instant), day);
      const offset = zoneOffsetMinutes(instant);
      assert.equal(instant.getTime(), Date.parse(`${day}T09:00:00Z`) - offset * 60_000);
    }
  });
  it('knows the fixed national holidays and the expected Islamic feasts', () => {
    const h = holidaysBetween('2026-11-01', '2026-11-30').map((x) => x.date);
    assert.deepEqual(h, ['2026-11-06', '2026-11-18']);
    const eid = holidaysBetween('2027-03-05', '2027-03-15').filter((x) => x.expected);
    assert.ok(eid.length >= 1 && eid.every((x) => x.name.fr === 'Aïd al-Fitr'), JSON.stringify(eid));
  });
  it('places Ramadan 1448 in February–March 2027 (Umm al-Qura)', () => {
    assert.equal(isRamadan('2027-02-20'), true);
    assert.equal(isRamadan('2027-01-20'), false);
  });
});

describe('slots from a weekly template', () => {
  it('cuts each session into slots of the template length, in local time', () => {
    const slots = deriveSlots(
      base,
      localToInstant('2026-12-07', '00:00'),
      localToInstant('2026-12-13', '23:59'),
    );
    assert.equal(slots.length, 4 + 2);
    assert.equal(localDate(slots[0].start), '2026-12-07');
    assert.equal(slots[1].start.getTime() - slots[0].start.getTime(), 30 * 60_000);
  });
  it('gives no slot on a holiday, nor during a closed exception, and other hours in an hours exception', () => {
    const closed = {
      ...base,
      exceptions: [{ from: '2026-12-07', to: '2026-12-07', kind: 'closed' as const }],
    };
    assert.equal(
      deriveSlots(closed, localToInstant('2026-12-07', '00:00'), localToInstant('2026-12-07', '23:59'))
        .length,
      0,
    );
    const greenMarch = deriveSlots(
      { ...base, sessions: [{ day: 'fri', start: '09:00', end: '10:00' }] },
      localToInstant('2026-11-06', '00:00'),
      localToInstant('2026-11-06', '23:59'),
    );
    assert.equal(greenMarch.length, 0, 'the Green March is a holiday');
    const hours = {
      ...base,
      exceptions: [
        {
          from: '2026-12-07',
          to: '2026-12-07',
          kind: 'hours' as const,
          sessions: [{ day: 'mon' as const, start: '16:00', end: '17:00' }],
        },
      ],
    };
    const special = deriveSlots(
      hours,
      localToInstant('2026-12-07', '00:00'),
      localToInstant('2026-12-07', '23:59'),
    );
    assert.deepEqual(
      special.map((s) => s.start.getTime()),
      [localToInstant('2026-12-07', '16:00').getTime(), localToInstant('2026-12-07', '16:30').getTime()],
    );
  });
  it('uses the Ramadan hours during Ramadan', () => {
    const ramadanMonday = deriveSlots(
      base,
      localToInstant('2027-02-15', '00:00'),
      localToInstant('2027-02-15', '23:59'),
    );
    assert.equal(ramadanMonday.length, 2);
    assert.equal(ramadanMonday[0].start.getTime(), localToInstant('2027-02-15', '10:00').getTime());
  });
  it('travels on the Schedule as an extension, unchanged', () => {
    const withException = {
      ...base,
      exceptions: [{ from: '2027-01-01', to: '2027-01-07', kind: 'closed' as const, label: 'congé' }],
    };
    const back = templateOf({
      resourceType: 'Schedule',
      actor: [],
      extension: [templateExtension(withException)],
    });
    assert.deepEqual(back, withException);
  });
  it('says what is wrong with a template, field by field', () => {
    const bad = templateProblems({
      ...base,
      slotMinutes: 2,
      sessions: [{ day: 'mon', start: '12:00', end: '09:00' }],
    });
    assert.deepEqual(
      bad.map((p) => p.field),
      ['slotMinutes', 'sessions[0]'],
    );
  });
});
