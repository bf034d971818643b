import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type CoverModel,
  coveredWeight,
  coverModel,
  feasibilityProblems,
  withoutRedundantSites,
} from './cover-model.ts';
import { ExactSolver, solveExact } from './exact.ts';
import { solveFast } from './fast.ts';
import { buildMilp, dominatingCandidates, milpStart } from './milp.ts';
import { seeded } from './seeded-random.ts';

/** The optimum by trying every allowed set of at most `units` candidates: the independent check. */
function bruteForce(model: CoverModel): number {
  let best = 0;
  const choose = (from: number, chosen: number[]): void => {
    if (feasibilityProblems(model, chosen).length === 0) best = Math.max(best, coveredWeight(model, chosen));
    if (chosen.length === model.units) return;
    for (let j = from; j < model.candidates; j++) choose(j + 1, [...chosen, j]);
  };
  choose(0, []);
  return best;
}

function randomModel(seed: number, capped: boolean): CoverModel {
  const random = seeded(seed);
  const points = 8 + Math.floor(random() * 10);
  const candidates = 6 + Math.floor(random() * 6);
  return coverModel({
    weights: Array.from({ length: points }, () => 1 + Math.floor(random() * 1000)),
    covers: Array.from({ length: candidates }, () =>
      Array.from({ length: points }, (_, i) => i).filter(() => random() < 0.3),
    ),
    units: 1 + Math.floor(random() * 4),
    group: Array.from({ length: candidates }, () => Math.floor(random() * 3)),
    groupCap: capped ? [1, 2, 1] : [],
    forced: random() < 0.3 ? [Math.floor(random() * candidates)] : [],
  });
}

/**
 * A greedy trap: site 0 covers the two heavy middle points (10), sites 1 and 2 each one of them plus
 * an outer point (9 each). Greedy takes site 0 first and ends at 14; the optimum is sites 1 + 2 = 18.
 */
const trap = coverModel({
  weights: [4, 5, 5, 4],
  covers: [
    [1, 2],
    [0, 1],
    [2, 3],
  ],
  units: 2,
});

describe('fast mode (greedy, swaps, Lagrangian restarts)', () => {
  it('escapes the greedy trap by a swap: sites 1 and 2, 18 covered', () => {
    const result = solveFast(trap);
    assert.deepEqual([...result.chosen].sort(), [1, 2]);
    assert.equal(result.covered, 18);
    assert.ok(result.upperBound >= 18);
  });

  it('keeps a forced site even when it is the worst one', () => {
    const model = coverModel({
      ...{ weights: [4, 5, 5, 4], covers: [[1, 2], [0, 1], [2, 3], []] },
      units: 2,
      forced: [3],
    });
    const result = solveFast(model);
    assert.ok(result.chosen.includes(3));
    assert.equal(result.covered, 10); // site 3 covers nothing; the other unit takes site 0
  });

  it('respects group caps: at most one site in group 0 even if both best sites are there', () => {
    const model = coverModel({
      weights: [10, 10, 3],
      covers: [[0], [1], [2]],
      units: 2,
      group: [0, 0, 1],
      groupCap: [1, 5],
    });
    const result = solveFast(model);
    assert.deepEqual(feasibilityProblems(model, result.chosen), []);
    assert.equal(result.covered, 13);
  });

  it('on random instances: feasible, within the stated guarantee, and under its own proven bound', () => {
    for (let seed = 1; seed <= 150; seed++) {
      const capped = seed % 2 === 0;
      const model = randomModel(seed, capped);
      const optimum = bruteForce(model);
      const result = solveFast(model);
      assert.deepEqual(feasibilityProblems(model, result.chosen), [], `seed ${seed}`);
      assert.equal(result.covered, coveredWeight(model, result.chosen));
      assert.ok(result.covered <= optimum, `seed ${seed}`);
      // Greedy's worst case: 1 − 1/e without caps, 1/2 with them; the swaps only add to it.
      const guarantee = capped ? 0.5 : 1 - 1 / Math.E;
      assert.ok(
        result.covered >= guarantee * optimum - 1e-9,
        `seed ${seed}: ${result.covered} vs ${optimum}`,
      );
      assert.ok(result.upperBound >= optimum - 1e-6, `seed ${seed}: bound ${result.upperBound} < ${optimum}`);
    }
  });

  it('refuses forced sites that break a cap', () => {
    const model = coverModel({
      weights: [1, 1],
      covers: [[0], [1]],
      units: 2,
      group: [0, 0],
      groupCap: [1],
      forced: [0, 1],
    });
    assert.throws(() => solveFast(model), /cap/);
  });
});

describe('exact mode (HiGHS in a worker)', () => {
  it('finds the trap optimum and proves it', async () => {
    const result = await solveExact(trap);
    assert.deepEqual([...result.chosen].sort(), [1, 2]);
    assert.equal(result.covered, 18);
    assert.equal(result.optimal, true);
    assert.equal(result.gap, 0);
  });

  it('matches brute force on random instances, with caps and kept sites', async () => {
    for (let seed = 1; seed <= 12; seed++) {
      const model = randomModel(seed * 7, seed % 2 === 0);
      const result = await solveExact(model, { start: solveFast(model).chosen });
      assert.equal(result.optimal, true, `seed ${seed}`);
      assert.equal(result.covered, bruteForce(model), `seed ${seed}`);
      assert.deepEqual(feasibilityProblems(model, result.chosen), [], `seed ${seed}`);
    }
  });

  it('a long-lived solver answers several solves, queued one at a time, then closes', async () => {
    const solver = new ExactSolver();
    try {
      const models = [1, 2, 3, 4].map((seed) => randomModel(seed * 11, seed % 2 === 0));
      const results = await Promise.all(models.map((model) => solver.solve(model)));
      results.forEach((result, i) => {
        assert.equal(result.covered, bruteForce(models[i]), `model ${i}`);
      });
      assert.equal((await solver.solve(trap)).covered, 18);
    } finally {
      await solver.close();
    }
  });

  it('reports a time-limited solve honestly: a feasible plan, its bound and gap', async () => {
    const random = seeded(99);
    const points = 400;
    const model = coverModel({
      weights: Array.from({ length: points }, () => 1 + Math.floor(random() * 1000)),
      covers: Array.from({ length: 300 }, () =>
        Array.from({ length: 25 }, () => Math.floor(random() * points)),
      ),
      units: 30,
    });
    const start = solveFast(model, { maxMs: 50 }).chosen;
    const result = await solveExact(model, { timeLimitMs: 1, start });
    assert.deepEqual(feasibilityProblems(model, result.chosen), []);
    assert.ok(result.bound >= result.covered);
    if (result.optimal) assert.equal(result.gap, 0);
    else {
      assert.equal(result.status, 'timeLimit');
      assert.ok(result.gap > 0 && result.gap <= 1, `gap ${result.gap}`); // 1: stopped before any bound
    }
  });
});

describe('MIP model', () => {
  const sense = { maximize: -1, infinity: Infinity } as unknown as Parameters<typeof buildMilp>[1];

  it('merges demand points covered by the same sites and leaves out sites that cover nothing', () => {
    const model = coverModel({ weights: [3, 4, 5, 6], covers: [[0, 1, 3], [], [0, 1, 2]], units: 1 });
    const milp = buildMilp(model, sense);
    assert.deepEqual([...milp.siteCandidates], [0, 2]);
    assert.equal(milp.demandClasses, 3); // {0,1} are both covered by sites 0 and 2
    assert.deepEqual([...milp.data.colCost], [0, 0, 7, 5, 6]); // classes in order of their first point
  });

  it('leaves out a site another one can replace, unless kept, and starts from its replacement', () => {
    const model = coverModel({
      weights: [1, 1, 1, 1],
      covers: [[0, 1], [0, 1, 2], [3], [3], [2]],
      units: 2,
      group: [0, 0, 0, 1, 1],
      groupCap: [5, 1],
      forced: [4],
    });
    // 0 ⊂ 1; 2 = 3 but in another, capped group; 4 is kept though 1 covers its point.
    assert.deepEqual([...dominatingCandidates(model)], [1, -1, -1, -1, -1]);
    const milp = buildMilp(model, sense);
    assert.deepEqual([...milp.siteCandidates], [1, 2, 3, 4]);
    const start = milpStart(milp, [0, 4]);
    assert.deepEqual(start.slice(0, 4), [1, 0, 0, 1]); // site 0 replaced by site 1
  });

  it('adds a cap row only where the cap can bind, and fixes kept sites to 1', () => {
    const model = coverModel({
      weights: [1, 1, 1],
      covers: [[0], [1], [2]],
      units: 3,
      group: [0, 0, 1],
      groupCap: [1, 4],
      forced: [2],
    });
    const milp = buildMilp(model, sense);
    assert.equal(milp.data.numRows, 3 + 1 + 1); // demand rows, units row, group 0's cap row
    assert.deepEqual([...milp.data.colLower].slice(0, 3), [0, 0, 1]);
  });
});

describe('redundant sites', () => {
  it('are dropped without changing coverage, kept sites never', () => {
    const model = coverModel({ weights: [1, 1, 1], covers: [[0, 1], [1], [2], [0]], units: 4, forced: [3] });
    const pruned = withoutRedundantSites(model, [0, 1, 2, 3]);
    assert.deepEqual(pruned, [0, 2, 3]);
    assert.equal(coveredWeight(model, pruned), 3);
  });
});
