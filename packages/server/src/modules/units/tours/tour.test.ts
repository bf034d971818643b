import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allocateVisits, planTour } from './tour.ts';

const options = { weeks: 1, workDays: ['mon', 'tue', 'wed', 'thu', 'fri'], speedKmh: 40, detourFactor: 1.4 };
const stop = (code: string, population: number, lat: number, lon: number) => ({
  code,
  name: code,
  population,
  lat,
  lon,
});

describe('a unit’s tour', () => {
  it('gives every stop a visit and the other days by population', () => {
    assert.deepEqual(allocateVisits([6000, 3000, 1000], 5), [3, 1, 1]);
    assert.deepEqual(allocateVisits([9000, 500, 500], 5), [3, 1, 1]);
    assert.deepEqual(allocateVisits([1, 1, 1, 1, 1], 5), [1, 1, 1, 1, 1]);
    assert.equal(
      allocateVisits([5, 4, 3, 2, 1], 20).reduce((a, b) => a + b, 0),
      20,
    );
  });

  it('puts one stop on each working day, spreads a stop’s visits, and leaves out what does not fit', () => {
    const base = { lat: 30.0, lon: -9.0 };
    const tour = planTour(
      base,
      [
        stop('a', 8000, 30.1, -9.0),
        stop('b', 1000, 30.0, -9.2),
        stop('c', 900, 29.9, -9.0),
        stop('d', 10, 30.2, -9.1),
        stop('e', 5, 30.3, -9.1),
        stop('f', 1, 30.4, -9.1),
      ],
      options,
    );
    assert.equal(tour.days.length, 5);
    assert.deepEqual(tour.leftOut, ['f']);
    const a = tour.days.filter((d) => d.stop === 'a').map((d) => options.workDays.indexOf(d.day));
    assert.equal(a.length, 1);
    // about 11 km north of the base: 11.1 × 1.4 ÷ 40 h ≈ 23 min
    assert.ok(Math.abs(tour.days.find((d) => d.stop === 'a')!.minutesFromBase - 23) <= 1);
  });

  it('spreads the visits of a big stop through a two-week cycle', () => {
    const tour = planTour({ lat: 30, lon: -9 }, [stop('a', 9000, 30.1, -9), stop('b', 1000, 30.2, -9)], {
      ...options,
      weeks: 2,
    });
    const weeks = tour.stops.find((s) => s.code === 'a')!.days;
    assert.ok(weeks[0].length >= 4 && weeks[1].length >= 4, JSON.stringify(weeks));
    assert.deepEqual(
      tour.stops.map((s) => s.visits),
      [9, 1],
    );
  });
});
