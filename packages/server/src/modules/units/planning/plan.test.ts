import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PlanMode, PlanOptions, UnitPlan } from './plan.ts';
import { planUnits } from './plan.ts';
import { tinyFacilities, tinyGeography } from './test-fixture.ts';

// Underserved beyond 10 km: C (300), D (200), E (150). Within 5 km: C reaches C; D and E reach D + E.
const base = { units: 1, radiusKm: 5, underservedKm: 10 };

async function plan(options: Omit<PlanOptions, 'mode'>, mode: PlanMode): Promise<UnitPlan> {
  const outcome = await planUnits(tinyGeography, tinyFacilities, { ...options, mode });
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.problems));
  return outcome.plan;
}

for (const mode of ['fast', 'exact'] as const) {
  describe(`planUnits, ${mode} mode`, () => {
    it('demand is the rural communes beyond D0 of care, weighted by population', async () => {
      const p = await plan(base, mode);
      assert.equal(p.underservedPopulation, 650);
      assert.equal(p.demandCommunes, 3);
      assert.equal(p.candidateStops, 4); // B, C, D, E: rural with a centroid (not urban A, not X)
    });

    it('one unit goes where it reaches most: D or E (350 people) rather than C (300)', async () => {
      const p = await plan(base, mode);
      assert.equal(p.coveredPopulation, 350);
      assert.equal(p.stops.length, 1);
      assert.ok(['D', 'E'].includes(p.stops[0]));
      assert.equal(p.optimal, true);
      assert.equal(p.gap, 0);
    });

    it('two units cover everyone; a third, adding nothing, is not placed and the plan says so', async () => {
      const two = await plan({ ...base, units: 2 }, mode);
      assert.equal(two.coveredPopulation, 650);
      const three = await plan({ ...base, units: 3 }, mode);
      assert.equal(three.coveredPopulation, 650);
      assert.equal(three.stops.length, 2);
      assert.ok(three.notes.some((n) => n.includes('1 of 3 units would add no coverage')));
    });

    it('gives the province view: units and people served per province', async () => {
      const p = await plan({ ...base, units: 2 }, mode);
      const byCode = Object.fromEntries(p.provinces.map((pr) => [pr.code, pr]));
      assert.equal(byCode.P1.units, 1);
      assert.equal(byCode.P1.servedPopulation, 300);
      assert.equal(byCode.P2.units, 1);
      assert.equal(byCode.P2.servedPopulation, 350);
      assert.equal(byCode.P2.underservedPopulation, 350);
      assert.equal(byCode.P2.nameFr, 'Province Deux');
      const stopTotal = p.stopDetails.reduce((s, stop) => s + stop.coveredPopulation, 0);
      assert.equal(stopTotal, p.coveredPopulation); // each commune counted once, at its nearest stop
    });

    it('a province cap of 0 sends the unit elsewhere', async () => {
      const p = await plan({ ...base, provinceCaps: { P2: 0 } }, mode);
      assert.deepEqual(p.stops, ['C']);
      assert.equal(p.coveredPopulation, 300);
    });

    it('units per base caps every province: two units, at most one per province', async () => {
      const p = await plan({ ...base, units: 2, unitsPerBase: 1 }, mode);
      assert.deepEqual(
        p.provinces.map((pr) => pr.units),
        [1, 1],
      );
    });

    it('keeps existing stops, even one that reaches no underserved commune', async () => {
      const p = await plan({ ...base, units: 2, keepStops: ['B'] }, mode);
      assert.ok(p.stops.includes('B'));
      assert.equal(p.stopDetails.find((s) => s.code === 'B')?.kept, true);
      assert.equal(p.coveredPopulation, 350);
    });
  });
}

describe('planUnits input checks', () => {
  const problems = async (options: Partial<PlanOptions>): Promise<string[]> => {
    const outcome = await planUnits(tinyGeography, tinyFacilities, {
      ...base,
      mode: 'fast',
      ...options,
    } as PlanOptions);
    return outcome.ok ? [] : outcome.problems.map((p) => `${p.field}: ${p.message}`);
  };

  it('refuses what cannot be planned, naming the field to fix', async () => {
    assert.match((await problems({ units: 0 }))[0], /^units:/);
    assert.match((await problems({ units: 2.5 }))[0], /^units:/);
    assert.match((await problems({ radiusKm: -1 }))[0], /^radiusKm:/);
    assert.match((await problems({ mode: 'slow' as PlanMode }))[0], /^mode:/);
    assert.match((await problems({ kinds: ['spa' as never] }))[0], /^kinds:/);
    assert.match((await problems({ keepStops: ['A'] }))[0], /keepStops: A .* is urban/);
    assert.match((await problems({ keepStops: ['Z'] }))[0], /keepStops: no commune has code "Z"/);
    assert.match((await problems({ keepStops: ['X'] }))[0], /keepStops: X .* no known centroid/);
    assert.match((await problems({ keepStops: ['B', 'C'] }))[0], /2 kept stops do not fit in 1 units/);
    assert.match((await problems({ keepStops: ['B'], provinceCaps: { P1: 0 } }))[0], /above its cap of 0/);
    assert.match((await problems({ provinceCaps: { P9: 1 } }))[0], /no province has code "P9"/);
  });
});
