import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Location, Schedule } from '@medplum/fhirtypes';
import { tourEntries } from './publish.ts';
import { publishedTour } from './read.ts';
import { planTour } from './tour.ts';

const options = { workDays: ['mon', 'tue', 'wed', 'thu', 'fri'], speedKmh: 40, detourFactor: 1.4 };
const base = { lat: 30, lon: -9 };
const stops = [
  { code: '01.001.01.01', name: 'Aït A', population: 9000, lat: 30.1, lon: -9 },
  { code: '01.001.01.02', name: 'Aït B', population: 3000, lat: 30.0, lon: -9.2 },
  { code: '01.001.01.03', name: 'Aït C', population: 1000, lat: 29.9, lon: -9.05 },
];

function published(weeks: number) {
  const tour = planTour(base, stops, { ...options, weeks });
  const entries = tourEntries(tour, {
    unitId: 'u1',
    unitName: 'Unité 1',
    start: '2026-01-05',
    horizonWeeks: 8,
    dayStart: '09:00',
    dayEnd: '16:00',
    slotMinutes: 30,
  });
  const schedules = entries
    .map((e) => e.resource)
    .filter((r): r is Schedule => r?.resourceType === 'Schedule');
  const positions = new Map(
    entries
      .map((e) => e.resource)
      .filter((r): r is Location => r?.resourceType === 'Location')
      .map((l) => [`Location/${l.id}`, { lat: l.position?.latitude ?? 0, lon: l.position?.longitude ?? 0 }]),
  );
  return { tour, read: publishedTour(schedules, positions, base, options) };
}

describe('a published tour read back', () => {
  for (const weeks of [1, 2]) {
    it(`gives the planned days, stops, visits and drives (${weeks}-week cycle)`, () => {
      const { tour, read } = published(weeks);
      assert.equal(read.weeks, weeks);
      assert.equal(read.cycleStart, '2026-01-05');
      assert.deepEqual(
        read.days.map(({ name: _name, km: _km, ...d }) => d),
        tour.days.map(({ km: _km, ...d }) => d),
      );
      assert.deepEqual(
        read.stops.map((s) => [s.commune, s.visits, s.days]),
        tour.stops.map((s) => [s.code, s.visits, s.days]),
      );
      assert.equal(read.days[0]?.name, stops.find((s) => s.code === tour.days[0]?.stop)?.name);
    });
  }
});

describe('a published stop’s name', () => {
  it('carries the commune in Arabic as a translation, on the Location and on the Schedule’s display', () => {
    const tour = planTour(base, stops, { ...options, weeks: 1 });
    const arabic: Record<string, string> = { '01.001.01.01': 'آيت أ' };
    const entries = tourEntries(tour, {
      unitId: 'u1',
      unitName: 'Unité 1',
      start: '2026-01-05',
      horizonWeeks: 4,
      dayStart: '09:00',
      dayEnd: '16:00',
      slotMinutes: 30,
      arabicName: (code) => arabic[code],
    });
    const resources = entries.map((e) => e.resource as unknown as Record<string, any>);
    const location = resources.find((r) => r.resourceType === 'Location' && r.name === 'Aït A');
    const content = (element: any) =>
      element?.extension?.[0]?.extension?.find((x: { url: string }) => x.url === 'content')?.valueString;
    assert.equal(content(location?._name), 'آيت أ');
    const schedule = resources.find((r) => r.resourceType === 'Schedule' && r.actor[0].display === 'Aït A');
    assert.equal(content(schedule?.actor[0]._display), 'آيت أ');
    // a commune with no Arabic name keeps its French name alone
    assert.equal(resources.find((r) => r.name === 'Aït B')?._name, undefined);
  });
});
