/**
 * The `exact` mode's model: the maximal covering problem as a mixed-integer program for HiGHS.
 *
 *   maximise   Σ_d w_d y_d
 *   subject to y_d ≤ Σ_{j covers d} x_j      every demand class d
 *              Σ_j x_j ≤ units
 *              Σ_{j in group g} x_j ≤ cap_g  every capped group
 *              x_j ∈ {0, 1} (1 for kept sites),  0 ≤ y_d ≤ 1
 *
 * y needs no integrality: at an optimum with integral x, each y_d is 1 exactly when some chosen site
 * covers d. Demand points covered by the same set of sites are merged into one class (their weights
 * added), and sites that cover nothing are left out: same optimum, a smaller model.
 */
import type { ModelData, ObjectiveSense } from 'highs';
import { type CoverModel, coveringCandidates } from './cover-model.ts';

export interface Milp {
  data: ModelData;
  /** For each candidate left out as dominated, a candidate kept in the model that covers as much. */
  dominator: Int32Array;
  /** Candidate index of each x column (columns 0 .. sites − 1). */
  siteCandidates: Int32Array;
  /** Number of demand classes (the y columns, after the x columns). */
  demandClasses: number;
}

/** HiGHS's own constants, passed in so this builder stays pure and loads no WebAssembly. */
export interface HighsConstants {
  maximize: ObjectiveSense;
  infinity: number;
}

export function buildMilp(model: CoverModel, highs: HighsConstants): Milp {
  const forced = new Set(model.forced);
  const dominator = dominatingCandidates(model);
  const coversSomeone = (j: number): boolean => {
    for (let k = model.coverStart[j]; k < model.coverStart[j + 1]; k++) {
      if (model.weights[model.coverIndex[k]] > 0) return true;
    }
    return false;
  };
  const sites: number[] = [];
  for (let j = 0; j < model.candidates; j++) {
    if (forced.has(j) || (dominator[j] < 0 && coversSomeone(j))) sites.push(j);
  }
  // Covering sites of each demand point, as column numbers, to group identical sets.
  const coveredBy: number[][] = Array.from({ length: model.weights.length }, () => []);
  sites.forEach((j, column) => {
    for (let k = model.coverStart[j]; k < model.coverStart[j + 1]; k++)
      coveredBy[model.coverIndex[k]].push(column);
  });
  const classOf = new Map<string, number>();
  const classColumns: number[][] = [];
  const classWeight: number[] = [];
  coveredBy.forEach((columns, i) => {
    if (columns.length === 0 || !(model.weights[i] > 0)) return;
    const key = columns.join(',');
    let d = classOf.get(key);
    if (d === undefined) {
      d = classColumns.length;
      classOf.set(key, d);
      classColumns.push(columns);
      classWeight.push(0);
    }
    classWeight[d] += model.weights[i];
  });

  const S = sites.length;
  const D = classColumns.length;
  const numCols = S + D;
  const starts: number[] = [0];
  const indices: number[] = [];
  const values: number[] = [];
  const rowLower: number[] = [];
  const rowUpper: number[] = [];
  const row = (entries: [number, number][], lower: number, upper: number): void => {
    for (const [column, value] of entries.sort((a, b) => a[0] - b[0])) {
      indices.push(column);
      values.push(value);
    }
    starts.push(indices.length);
    rowLower.push(lower);
    rowUpper.push(upper);
  };
  classColumns.forEach((columns, d) => {
    row([[S + d, 1], ...columns.map((c): [number, number] => [c, -1])], -highs.infinity, 0);
  });
  row(
    sites.map((_, c): [number, number] => [c, 1]),
    -highs.infinity,
    model.units,
  );
  const groupColumns = new Map<number, number[]>();
  sites.forEach((j, c) => {
    const list = groupColumns.get(model.group[j]);
    if (list) list.push(c);
    else groupColumns.set(model.group[j], [c]);
  });
  for (const [g, columns] of [...groupColumns].sort((a, b) => a[0] - b[0])) {
    const cap = model.groupCap[g];
    if (Number.isFinite(cap) && cap < columns.length) {
      row(
        columns.map((c): [number, number] => [c, 1]),
        -highs.infinity,
        cap,
      );
    }
  }

  const data: ModelData = {
    numCols,
    numRows: rowLower.length,
    sense: highs.maximize,
    colCost: [...new Array<number>(S).fill(0), ...classWeight],
    colLower: [...sites.map((j) => (forced.has(j) ? 1 : 0)), ...new Array<number>(D).fill(0)],
    colUpper: new Array<number>(numCols).fill(1),
    rowLower,
    rowUpper,
    matrix: {
      format: 'csr',
      numRows: rowLower.length,
      numCols,
      starts: Int32Array.from(starts),
      indices: Int32Array.from(indices),
      values: Float64Array.from(values),
    },
    integrality: [...new Array<0 | 1>(S).fill(1), ...new Array<0 | 1>(D).fill(0)],
  };
  return { data, dominator, siteCandidates: Int32Array.from(sites), demandClasses: D };
}

/**
 * For each candidate, one that can always replace it without losing coverage (−1: none): its cover
 * set contains the candidate's (ties go to the lower index) and the swap cannot break a cap (same
 * group, or both uncapped). Forced candidates are never replaced. Following the chain ends at a
 * candidate that is kept. Leaving the replaced ones out keeps the optimum and shrinks the search.
 */
export function dominatingCandidates(model: CoverModel): Int32Array {
  const { coverStart, coverIndex, group, groupCap } = model;
  const dominator = new Int32Array(model.candidates).fill(-1);
  const forced = new Set(model.forced);
  const covering = coveringCandidates(model);
  const mark = new Int32Array(model.weights.length).fill(-1);
  const size = (j: number): number => coverStart[j + 1] - coverStart[j];
  for (let j = 0; j < model.candidates; j++) {
    if (forced.has(j) || size(j) === 0) continue;
    for (let k = coverStart[j]; k < coverStart[j + 1]; k++) mark[coverIndex[k]] = j;
    // Any candidate containing j's cover set covers its first point.
    const first = coverIndex[coverStart[j]];
    for (let c = covering.start[first]; c < covering.start[first + 1] && dominator[j] < 0; c++) {
      const k = covering.index[c];
      if (k === j || size(k) < size(j) || (size(k) === size(j) && k > j)) continue;
      const sameRules =
        group[k] === group[j] || (groupCap[group[k]] === Infinity && groupCap[group[j]] === Infinity);
      if (!sameRules) continue;
      let inside = 0;
      for (let p = coverStart[k]; p < coverStart[k + 1]; p++) if (mark[coverIndex[p]] === j) inside++;
      if (inside === size(j)) dominator[j] = k;
    }
  }
  return dominator;
}

/** A starting solution (column values) from chosen candidates, for HiGHS's warm start. */
export function milpStart(milp: Milp, chosen: readonly number[]): number[] {
  const columnOf = new Map<number, number>();
  milp.siteCandidates.forEach((j, c) => {
    columnOf.set(j, c);
  });
  const values = new Array<number>(milp.data.numCols).fill(0);
  for (let j of chosen) {
    // A left-out site is replaced by the kept one covering as much (if already open, nothing is lost).
    while (!columnOf.has(j) && milp.dominator[j] >= 0) j = milp.dominator[j];
    const c = columnOf.get(j);
    if (c !== undefined) values[c] = 1;
  }
  // y_d = 1 when one of its covering sites is open: read the demand rows (the first D rows).
  const { starts, indices } = milp.data.matrix;
  for (let d = 0; d < milp.demandClasses; d++) {
    let open = false;
    for (let k = Number(starts[d]); k < Number(starts[d + 1]); k++) {
      const c = Number(indices[k]);
      if (c < milp.siteCandidates.length && values[c] === 1) open = true;
    }
    values[milp.siteCandidates.length + d] = open ? 1 : 0;
  }
  return values;
}
