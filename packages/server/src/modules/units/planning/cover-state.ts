/**
 * A mutable choice of sites with the counters the heuristics need, kept up to date on every add and
 * remove: how many chosen sites cover each point, and each candidate's gain (uncovered weight it
 * would add). On top of it: greedy completion and swap local search.
 */
import { type CoverModel, coveringCandidates } from './cover-model.ts';

export class CoverState {
  readonly model: CoverModel;
  readonly covering: { start: Int32Array; index: Int32Array };
  /** Chosen sites covering each demand point. */
  readonly count: Int32Array;
  readonly inChosen: Uint8Array;
  readonly groupCount: Int32Array;
  readonly isForced: Uint8Array;
  /** Weight of the still-uncovered points each candidate covers. */
  readonly gain: Float64Array;
  readonly chosen: number[] = [];
  covered = 0;

  constructor(model: CoverModel, covering = coveringCandidates(model)) {
    this.model = model;
    this.covering = covering;
    this.count = new Int32Array(model.weights.length);
    this.inChosen = new Uint8Array(model.candidates);
    this.groupCount = new Int32Array(model.groupCap.length);
    this.isForced = new Uint8Array(model.candidates);
    for (const j of model.forced) this.isForced[j] = 1;
    this.gain = new Float64Array(model.candidates);
    for (let j = 0; j < model.candidates; j++) {
      for (let k = model.coverStart[j]; k < model.coverStart[j + 1]; k++) {
        this.gain[j] += model.weights[model.coverIndex[k]];
      }
    }
  }

  hasRoom(j: number): boolean {
    const g = this.model.group[j];
    return this.groupCount[g] < this.model.groupCap[g];
  }

  add(j: number): void {
    const { coverStart, coverIndex, weights, group } = this.model;
    const { start, index } = this.covering;
    this.inChosen[j] = 1;
    this.chosen.push(j);
    this.groupCount[group[j]]++;
    for (let k = coverStart[j]; k < coverStart[j + 1]; k++) {
      const i = coverIndex[k];
      if (this.count[i]++ === 0) {
        this.covered += weights[i];
        for (let c = start[i]; c < start[i + 1]; c++) this.gain[index[c]] -= weights[i];
      }
    }
  }

  remove(j: number): void {
    const { coverStart, coverIndex, weights, group } = this.model;
    const { start, index } = this.covering;
    this.inChosen[j] = 0;
    this.chosen.splice(this.chosen.indexOf(j), 1);
    this.groupCount[group[j]]--;
    for (let k = coverStart[j]; k < coverStart[j + 1]; k++) {
      const i = coverIndex[k];
      if (--this.count[i] === 0) {
        this.covered -= weights[i];
        for (let c = start[i]; c < start[i + 1]; c++) this.gain[index[c]] += weights[i];
      }
    }
  }

  /** Adds the forced sites; throws if they alone break a cap or the number of units. */
  addForced(): void {
    for (const j of this.model.forced) {
      if (this.inChosen[j]) continue;
      if (!this.hasRoom(j)) throw new Error(`kept sites exceed the cap of group ${this.model.group[j]}`);
      this.add(j);
    }
    if (this.chosen.length > this.model.units) {
      throw new Error(`${this.chosen.length} kept sites for ${this.model.units} units`);
    }
  }

  /** Greedy completion: the site with the largest gain while units remain (ties: lowest index). */
  greedyFill(): void {
    while (this.chosen.length < this.model.units) {
      let best = -1;
      for (let j = 0; j < this.model.candidates; j++) {
        if (
          !this.inChosen[j] &&
          this.gain[j] > 0 &&
          (best < 0 || this.gain[j] > this.gain[best]) &&
          this.hasRoom(j)
        ) {
          best = j;
        }
      }
      if (best < 0) return;
      this.add(best);
    }
  }

  /**
   * Best-improvement swap search until no add or swap improves, or the deadline. A pass costs one
   * sweep of the cover lists: for candidate k, the gain of swapping chosen site s out is
   * gain[k] + taken(k, s) − loss[s], where loss[s] is the weight only s covers and taken(k, s) the
   * part of it k also covers; s with taken = 0 are ranked by loss alone.
   * Returns the number of moves made.
   */
  swapSearch(deadline: number, minDelta: number): number {
    const { model, covering, count, inChosen, gain, chosen } = this;
    const { coverStart, coverIndex, weights, group } = model;
    const C = model.candidates;
    const owner = new Int32Array(weights.length);
    const loss = new Float64Array(C);
    const taken = new Float64Array(C);
    const touched: number[] = [];
    let moves = 0;
    while (performance.now() < deadline) {
      loss.fill(0);
      for (let i = 0; i < weights.length; i++) {
        if (count[i] !== 1) continue;
        let o = -1;
        for (let c = covering.start[i]; c < covering.start[i + 1] && o < 0; c++) {
          if (inChosen[covering.index[c]]) o = covering.index[c];
        }
        owner[i] = o;
        loss[o] += weights[i];
      }
      const removable = chosen.filter((s) => !this.isForced[s]).sort((a, b) => loss[a] - loss[b] || a - b);
      const canAdd = chosen.length < model.units;
      let bestDelta = minDelta;
      let bestIn = -1;
      let bestOut = -1;
      for (let k = 0; k < C; k++) {
        if (inChosen[k] || gain[k] <= bestDelta) continue;
        const room = this.hasRoom(k);
        if (canAdd && room) {
          bestDelta = gain[k];
          bestIn = k;
          bestOut = -1;
          continue; // adding beats any swap for the same k (taken ≤ loss)
        }
        for (let p = coverStart[k]; p < coverStart[k + 1]; p++) {
          const i = coverIndex[p];
          if (count[i] === 1) {
            if (taken[owner[i]] === 0) touched.push(owner[i]);
            taken[owner[i]] += weights[i];
          }
        }
        const consider = (s: number): void => {
          if (this.isForced[s] || (!room && group[s] !== group[k])) return;
          const delta = gain[k] + taken[s] - loss[s];
          if (delta > bestDelta) {
            bestDelta = delta;
            bestIn = k;
            bestOut = s;
          }
        };
        for (const s of touched) consider(s);
        // Among sites k takes nothing from, the one losing least (first that the caps allow).
        for (const s of removable) {
          if (taken[s] !== 0 || (!room && group[s] !== group[k])) continue;
          consider(s);
          break;
        }
        for (const s of touched) taken[s] = 0;
        touched.length = 0;
      }
      if (bestIn < 0) break;
      if (bestOut >= 0) this.remove(bestOut);
      this.add(bestIn);
      moves++;
    }
    return moves;
  }
}
