import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Highs } from 'highs';
import * as highsModule from 'highs';
import type { CoverModel } from './cover-model.ts';
import { buildPlanningInstance } from './instance.ts';
import { planUnits } from './plan.ts';
import { loadPlanningReference } from './reference-files.ts';

/**
 * The same covering model written out plainly as CPLEX LP text — one y per demand commune, one x
 * per candidate, no merging, no dominated stops left out — for HiGHS's one-shot text API: an
 * independent path to the optimum that the planner's reduced model must reach too.
 */
function plainLp(model: CoverModel): string {
  const covering: number[][] = Array.from({ length: model.weights.length }, () => []);
  for (let j = 0; j < model.candidates; j++) {
    for (let k = model.coverStart[j]; k < model.coverStart[j + 1]; k++) covering[model.coverIndex[k]].push(j);
  }
  const objective = [...model.weights].map((w, i) => `${w} y${i}`).join(' + ');
  const rows = covering.map((js, i) => ` c${i}: y${i}${js.map((j) => ` - x${j}`).join('')} <= 0`);
  const units = ` units: ${Array.from({ length: model.candidates }, (_, j) => `x${j}`).join(' + ')} <= ${model.units}`;
  const bounds = [...model.weights].map((_, i) => ` 0 <= y${i} <= 1`);
  const binaries = Array.from({ length: model.candidates }, (_, j) => `x${j}`).join(' ');
  return [
    'Maximize',
    ` obj: ${objective}`,
    'Subject To',
    ...rows,
    units,
    'Bounds',
    ...bounds,
    'Binary',
    ` ${binaries}`,
    'End',
  ].join('\n');
}

describe('the planner on the real communes (P = 50, R = 15 km, D0 = 10 km)', () => {
  it('exact reaches the optimum of an independent solve of the plain model; fast is within 0.5 % of it', async () => {
    const { geography, facilities } = loadPlanningReference();
    const options = { units: 50, radiusKm: 15, underservedKm: 10 };
    const loadHighs = (highsModule as unknown as { default: () => Promise<Highs> }).default;
    const highs = await loadHighs();
    const independent = highs.solve(plainLp(buildPlanningInstance(geography, facilities, options).model), {
      mip_rel_gap: 0,
      time_limit: 120,
    });
    assert.equal(independent.Status, 'Optimal');

    const exact = await planUnits(geography, facilities, { ...options, mode: 'exact', timeLimitMs: 120_000 });
    const fast = await planUnits(geography, facilities, { ...options, mode: 'fast' });
    assert.ok(exact.ok && fast.ok);
    assert.equal(exact.plan.optimal, true);
    assert.equal(exact.plan.coveredPopulation, Math.round(independent.ObjectiveValue));
    assert.ok(fast.plan.coveredPopulation >= 0.995 * exact.plan.coveredPopulation);
    assert.ok(fast.plan.bound >= exact.plan.coveredPopulation); // fast's certificate is a true bound
  });
});
