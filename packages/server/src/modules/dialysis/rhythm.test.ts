import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Weekday } from '../scheduling/calendar.ts';
import { couldKeepRhythm, dateOf, homeSessionsAround, keepsRhythm, ordinal, planStay } from './rhythm.ts';
import type { Shift } from './terms.ts';

const all: Shift[] = ['morning', 'midday', 'afternoon'];
/** Capacity on every day of a range (Sundays closed, as most centres). */
function everyDay(
  from: string,
  to: string,
  shifts: Shift[] = all,
  skip: string[] = [],
): Map<string, Shift[]> {
  const map = new Map<string, Shift[]>();
  for (let d = ordinal(from); d <= ordinal(to); d++) {
    const date = dateOf(d);
    if (new Date(`${date}T12:00:00Z`).getUTCDay() === 0 || skip.includes(date)) continue;
    map.set(date, shifts);
  }
  return map;
}

describe('planning a stay at the patient’s rhythm', () => {
  // 2027-03-01 is a Monday
  it('a week away on Mon/Wed/Fri keeps Mon/Wed/Fri at the usual shift', () => {
    const plan = planStay({
      arrival: '2027-03-01',
      departure: '2027-03-07',
      homeDays: ['mon', 'wed', 'fri'],
      preferredShift: 'midday',
      capacity: everyDay('2027-03-01', '2027-03-07'),
    });
    assert.ok(plan.ok);
    assert.deepEqual(
      plan.sessions.map((s) => [s.date, s.shift]),
      [
        ['2027-03-01', 'midday'],
        ['2027-03-03', 'midday'],
        ['2027-03-05', 'midday'],
      ],
    );
    assert.deepEqual(plan.before, ['2027-02-22', '2027-02-24', '2027-02-26']);
  });

  it('when the centre takes guests only Mon/Wed/Fri, a Tue/Thu/Sat patient moves to those days without a gap over three days', () => {
    const capacity = new Map<string, Shift[]>();
    for (const date of ['01', '03', '05', '08', '10', '12', '15'])
      capacity.set(`2027-03-${date}`, ['morning']);
    const plan = planStay({
      arrival: '2027-03-01',
      departure: '2027-03-15',
      homeDays: ['tue', 'thu', 'sat'],
      preferredShift: 'afternoon',
      capacity,
    });
    assert.ok(plan.ok, JSON.stringify(plan));
    const days = [
      ...plan.before.map(ordinal),
      ...plan.sessions.map((s) => ordinal(s.date)),
      ...plan.after.map(ordinal),
    ];
    assert.ok(keepsRhythm(days), JSON.stringify(plan));
    assert.ok(plan.sessions.every((s) => s.shift === 'morning'));
    assert.ok(plan.sessions.every((s) => [1, 3, 5].includes(new Date(`${s.date}T12:00:00Z`).getUTCDay())));
  });

  it('a fortnight gives six sessions, three a week, never more', () => {
    const plan = planStay({
      arrival: '2027-03-01',
      departure: '2027-03-14',
      homeDays: ['tue', 'thu', 'sat'],
      capacity: everyDay('2027-03-01', '2027-03-14'),
    });
    assert.ok(plan.ok);
    assert.equal(plan.sessions.length, 6);
    assert.deepEqual(
      plan.sessions.map((s) => new Date(`${s.date}T12:00:00Z`).getUTCDay()),
      [2, 4, 6, 2, 4, 6],
    );
  });

  it('a day without capacity that the rhythm cannot go around means no plan', () => {
    // only Monday and Saturday free: Mon → Sat is a five-day gap
    const capacity = new Map<string, Shift[]>([
      ['2027-03-01', all],
      ['2027-03-06', all],
    ]);
    const plan = planStay({
      arrival: '2027-03-01',
      departure: '2027-03-07',
      homeDays: ['mon', 'wed', 'fri'],
      capacity,
    });
    assert.equal(plan.ok, false);
  });

  it('a weekend away between two home sessions needs no session at all', () => {
    const plan = planStay({
      arrival: '2027-03-06',
      departure: '2027-03-07',
      homeDays: ['mon', 'wed', 'fri'],
      capacity: everyDay('2027-03-06', '2027-03-07'),
    });
    assert.ok(plan.ok);
    assert.equal(plan.sessions.length, 0);
  });

  it('the home sessions around the stay are the usual weekdays', () => {
    const { before, after } = homeSessionsAround('2027-03-01', '2027-03-07', ['mon', 'wed', 'fri']);
    assert.deepEqual(before.map(dateOf), ['2027-02-22', '2027-02-24', '2027-02-26']);
    assert.deepEqual(after.map(dateOf), ['2027-03-08', '2027-03-10', '2027-03-12']);
  });

  it('the rhythm check refuses a long gap and a thin week', () => {
    assert.ok(keepsRhythm([0, 2, 4, 7, 9, 11]));
    assert.equal(keepsRhythm([0, 4]), false);
    assert.equal(keepsRhythm([0, 3, 6, 9]), false); // four sessions over nine days: under three a week
  });
});

describe('passing over a centre whose chairs never work the days a stay needs', () => {
  const WEEK: Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
  const weekdayOfDate = (date: string) => WEEK[new Date(`${date}T12:00:00Z`).getUTCDay()];

  it('a centre working Mon/Wed/Fri cannot keep a Tue/Thu/Sat patient arriving on a Sunday', () => {
    // home sessions Thu 2027-03-04, Sat 03-06; at the destination Mon 03-08 makes the gap 2 days,
    // but a two-week stay on Mon/Wed/Fri only ends with Fri 03-19 and home resumes Tue 03-23: 4 days
    const stay = {
      arrival: '2027-03-07',
      departure: '2027-03-20',
      homeDays: ['tue', 'thu', 'sat'] as Weekday[],
    };
    assert.equal(couldKeepRhythm(stay, new Set<Weekday>(['mon', 'wed', 'fri'])), false);
    assert.equal(couldKeepRhythm(stay, new Set<Weekday>(['mon', 'tue', 'wed', 'thu', 'fri', 'sat'])), true);
    assert.equal(couldKeepRhythm(stay, null), true, 'days not known: any day may do');
    assert.equal(couldKeepRhythm(stay, new Set()), false, 'no chair of the kind');
  });

  it('never passes over a centre that has a plan (every week pattern, random free days)', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    let plans = 0;
    for (let trial = 0; trial < 400; trial++) {
      const working = new Set(WEEK.filter(() => random() < 0.6));
      const arrival = dateOf(ordinal('2027-03-01') + Math.floor(random() * 14));
      const departure = dateOf(ordinal(arrival) + 3 + Math.floor(random() * 18));
      const homeDays: Weekday[] = random() < 0.5 ? ['mon', 'wed', 'fri'] : ['tue', 'thu', 'sat'];
      // the slots actually free: some of the working days, each with some shift
      const capacity = new Map<string, Shift[]>();
      for (let d = ordinal(arrival); d <= ordinal(departure); d++)
        if (working.has(weekdayOfDate(dateOf(d))) && random() < 0.8)
          capacity.set(dateOf(d), [all[trial % 3]]);
      const plan = planStay({ arrival, departure, homeDays, capacity });
      if (plan.ok) plans += 1;
      if (plan.ok)
        assert.ok(
          couldKeepRhythm({ arrival, departure, homeDays }, working),
          JSON.stringify({ arrival, departure, working: [...working] }),
        );
    }
    assert.ok(plans >= 50, `only ${plans} of 400 random stays had a plan`);
  });
});
