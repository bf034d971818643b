import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  addDays,
  byLocalDay,
  dayHeading,
  daysOf,
  formatDay,
  formatTime,
  isDate,
  localDate,
  localInstant,
  mondayOf,
  relativeDay,
  weekToShow,
  zoneOffsetMinutes,
} from './time.ts';

describe('Moroccan days and times', () => {
  it('reads an instant as Morocco’s calendar day, whatever the offset of the season', () => {
    for (const date of ['2026-01-15', '2026-06-15', '2026-12-01', '2027-02-20']) {
      const offset = zoneOffsetMinutes(localInstant(date, '12:00'));
      assert.ok(offset === 0 || offset === 60, `offset ${offset} on ${date}`);
      // one minute before and after local midnight fall on either side of the day
      const midnight = localInstant(date, '00:00');
      assert.equal(localDate(midnight), date);
      assert.equal(localDate(new Date(midnight.getTime() - 60_000)), addDays(date, -1));
    }
  });

  it('turns a local wall-clock time into the instant it happens (and back)', () => {
    const at = localInstant('2026-01-15', '09:30');
    assert.equal(at.toISOString(), '2026-01-15T08:30:00.000Z'); // UTC+1 in January 2026
    assert.equal(formatTime('fr', at), '09:30');
  });

  it('counts weeks from Monday', () => {
    assert.equal(mondayOf('2026-12-03'), '2026-11-30'); // Thursday → Monday
    assert.equal(mondayOf('2026-12-06'), '2026-11-30'); // Sunday belongs to the week before
    assert.equal(mondayOf('2026-11-30'), '2026-11-30');
    assert.deepEqual(daysOf('2026-11-30', '2026-12-03'), ['2026-11-30', '2026-12-01', '2026-12-02']);
    assert.ok(isDate('2026-02-28') && !isDate('2026-02-30x') && !isDate(null));
  });

  it('opens a practitioner’s times on the week asked for, else the week of the first free time', () => {
    const saturday = '2026-12-05';
    // nothing left this week: the week of Monday 7 December, not an empty one
    assert.equal(weekToShow(null, saturday, '2026-12-07'), '2026-12-07');
    assert.equal(weekToShow(null, saturday, '2026-12-16'), '2026-12-14');
    assert.equal(weekToShow(null, saturday, saturday), '2026-11-30');
    assert.equal(weekToShow(null, saturday), '2026-11-30', 'no free time known: this week');
    // an address's week wins, but never one in the past; a malformed one is ignored
    assert.equal(weekToShow('2026-12-30', saturday, '2026-12-07'), '2026-12-28');
    assert.equal(weekToShow('2026-11-02', saturday, '2026-12-07'), '2026-11-30');
    assert.equal(weekToShow('next', saturday, '2026-12-07'), '2026-12-07');
  });

  it('groups free times by local day, every day of the week present, in time order', () => {
    const days = daysOf('2026-12-01', '2026-12-03');
    const grouped = byLocalDay(days, [
      { start: localInstant('2026-12-02', '10:00').toISOString() },
      { start: localInstant('2026-12-02', '09:00').toISOString() },
      { start: localInstant('2026-12-09', '09:00').toISOString() }, // outside the range: left out
    ]);
    assert.deepEqual([...grouped.keys()], days);
    assert.equal(grouped.get('2026-12-01')?.length, 0);
    assert.deepEqual(
      grouped.get('2026-12-02')?.map((s) => formatTime('en', s.start as string)),
      ['09:00', '10:00'],
    );
  });

  it('writes times with Latin digits in Arabic too, and names near days in words', () => {
    const at = localInstant('2026-12-01', '14:05');
    assert.equal(formatTime('ar', at), '14:05');
    assert.match(formatDay('ar', '2026-12-01'), /^[^0-9]*1[^0-9]*$/); // "الثلاثاء، 1 دجنبر", digit 1 in Latin
    assert.equal(formatDay('fr', '2026-12-01'), 'mardi 1 décembre');
    assert.equal(relativeDay('fr', '2026-12-01', '2026-12-01'), 'aujourd’hui');
    assert.equal(relativeDay('en', '2026-12-02', '2026-12-01'), 'tomorrow');
    assert.equal(relativeDay('en', '2026-12-03', '2026-12-01'), 'Thursday 3 December');
    assert.equal(dayHeading('fr', '2026-12-02', '2026-12-01'), 'Demain, mercredi 2 décembre');
    assert.equal(dayHeading('fr', '2026-12-04', '2026-12-01'), 'Vendredi 4 décembre');
    assert.match(dayHeading('ar', '2026-12-01', '2026-12-01'), /^اليوم، /);
  });
});
