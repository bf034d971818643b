import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyseCoverage, nearestFacilities } from './coverage.ts';
import { applyFacilityEdits, parseFacilitiesCsv } from './facilities.ts';
import { tinyFacilities, tinyGeography } from './test-fixture.ts';

const beyond = (area: { beyond: { km: number; population: number }[] }): number[] =>
  area.beyond.map((b) => b.population);

describe('coverage analysis', () => {
  it('measures each commune to its nearest hospital, clinic or health centre (doctors left out)', () => {
    const access = nearestFacilities(tinyGeography.communes, tinyFacilities);
    assert.equal(access.get('A')?.facilityId, 'node/1');
    assert.ok(Math.abs(access.get('C')!.km - 13.34) < 0.01, `${access.get('C')!.km}`);
    assert.equal(access.get('D')?.facilityId, 'node/1');
    assert.equal(access.has('X'), false); // no centroid, no distance
  });

  it('counts population beyond 5, 10 and 20 km nationally, by region and by province', () => {
    const report = analyseCoverage(tinyGeography, tinyFacilities);
    assert.deepEqual(beyond(report.national), [1150, 650, 350]);
    assert.equal(report.national.population, 2200);
    assert.equal(report.national.unlocatedPopulation, 50);
    assert.deepEqual(beyond(report.regions[0]), [1150, 650, 350]);
    const p1 = report.provinces.find((p) => p.code === 'P1')!;
    const p2 = report.provinces.find((p) => p.code === 'P2')!;
    assert.deepEqual(beyond(p1), [800, 300, 0]);
    assert.deepEqual(beyond(p2), [350, 350, 350]);
    assert.equal(p2.beyond[0].share, 1); // of the located population: X is unknown, not counted
    assert.equal(report.facilityCount, 1);
  });

  it('can count other kinds: with doctors, D and E are near care', () => {
    const report = analyseCoverage(tinyGeography, tinyFacilities, { kinds: ['hospital', 'doctor'] });
    assert.deepEqual(beyond(report.national), [800, 300, 0]);
  });

  it('takes other thresholds and rural communes only', () => {
    const report = analyseCoverage(tinyGeography, tinyFacilities, { thresholdsKm: [30, 1], ruralOnly: true });
    assert.deepEqual(report.thresholdsKm, [1, 30]);
    assert.deepEqual(beyond(report.national), [1150, 350]);
    assert.equal(report.national.population, 1200);
  });

  it('updates when an administrator adds a health centre OSM missed, or removes one', () => {
    const added = applyFacilityEdits(tinyFacilities, {
      upsert: [{ id: 'admin/1', name: 'CSR Deux', kind: 'health_centre', lat: 31.31, lon: -7 }],
    });
    const p2 = analyseCoverage(tinyGeography, added).provinces.find((p) => p.code === 'P2')!;
    assert.deepEqual(beyond(p2), [0, 0, 0]);
    const removed = applyFacilityEdits(added, { remove: ['node/1'] });
    const report = analyseCoverage(tinyGeography, removed);
    assert.equal(report.facilityCount, 1);
    assert.deepEqual(beyond(report.national), [1800, 1800, 1800]); // A, B, C: 21–35 km from admin/1
  });

  it('with no facility at all, everyone located is beyond every threshold', () => {
    const report = analyseCoverage(tinyGeography, []);
    assert.deepEqual(beyond(report.national), [2150, 2150, 2150]);
  });
});

describe('facility files', () => {
  it('reads the columns of facilities.csv, quoted names included, and reports bad rows by line', () => {
    const csv = [
      'name,kind,lat,lon,region,source_id',
      '"Centre de Santé ""Oulad"", Douar",health_centre,31.5,-7.2,Marrakech-Safi,way/1',
      'Nowhere,hospital,,,,node/2',
      'Spa,spa,31,-7,,node/3',
      'Copy,clinic,31,-7,,way/1',
      'No id,clinic,31.1,-7.1,,',
    ].join('\n');
    const { facilities, problems } = parseFacilitiesCsv(csv);
    assert.deepEqual(
      facilities.map((f) => [f.id, f.name, f.kind]),
      [
        ['way/1', 'Centre de Santé "Oulad", Douar', 'health_centre'],
        ['row/6', 'No id', 'clinic'],
      ],
    );
    assert.deepEqual(
      problems.map((p) => p.line),
      [3, 4, 5],
    );
    assert.match(problems[1].message, /kind "spa"/);
  });

  it('says which columns are missing', () => {
    const { problems } = parseFacilitiesCsv('name,latitude,longitude\nX,1,2\n');
    assert.match(problems[0].message, /kind, lat, lon/);
  });

  it('an edit with an existing id corrects that facility instead of adding one', () => {
    const moved = applyFacilityEdits(tinyFacilities, {
      upsert: [{ id: 'node/1', name: 'Hôpital', kind: 'hospital', lat: 31.12, lon: -7 }],
    });
    assert.equal(moved.length, 2);
    assert.equal(moved.find((f) => f.id === 'node/1')?.lat, 31.12);
    assert.equal(tinyFacilities[0].lat, 31.0); // the input list is left alone
  });
});
