/**
 * A static k-d tree over points on the sphere, for "nearest facility" and "communes within R km".
 * Points are stored as 3-D unit vectors: chord distance is monotone in great-circle distance, so the
 * tree's Euclidean pruning is exact for great-circle queries (no flat-Earth error, no seam at ±180°).
 * Built once (O(n log n)); each query visits a few leaves instead of every point.
 */
import { chordOfKm, haversineKm, type LatLon, unitVector } from './geo.ts';

const LEAF_SIZE = 8;

export interface NearestPoint {
  /** Position of the point in the array the index was built from. */
  index: number;
  km: number;
}

export class GreatCircleIndex {
  readonly size: number;
  private readonly points: readonly LatLon[];
  /** Tree order: ids[k] is the original index of the k-th stored point. */
  private readonly ids: Int32Array;
  private readonly coords: Float64Array;
  /** Split axis of the node whose median sits at position k. */
  private readonly axes: Uint8Array;

  constructor(points: readonly LatLon[]) {
    this.points = points;
    this.size = points.length;
    this.ids = new Int32Array(points.length);
    this.coords = new Float64Array(points.length * 3);
    this.axes = new Uint8Array(points.length);
    points.forEach((p, i) => {
      this.ids[i] = i;
      this.coords.set(unitVector(p.lat, p.lon), i * 3);
    });
    this.build(0, points.length);
  }

  /** The nearest point by great-circle distance (ties: the lowest index), or undefined if empty. */
  nearest(lat: number, lon: number): NearestPoint | undefined {
    if (this.size === 0) return undefined;
    const q = unitVector(lat, lon);
    let best = -1;
    let bestD2 = Number.POSITIVE_INFINITY;
    // Entries are (lo, hi, squared distance to the plane that bounds the range): a range is skipped
    // when popped if the best point found since it was pushed is already closer than that plane.
    const stack: number[] = [0, this.size, 0];
    while (stack.length > 0) {
      const plane2 = stack.pop()!;
      const hi = stack.pop()!;
      const lo = stack.pop()!;
      if (plane2 > bestD2) continue;
      if (hi - lo <= LEAF_SIZE) {
        for (let k = lo; k < hi; k++) {
          const d2 = this.dist2(k, q);
          if (d2 < bestD2 || (d2 === bestD2 && this.ids[k] < this.ids[best])) {
            bestD2 = d2;
            best = k;
          }
        }
        continue;
      }
      const m = (lo + hi) >> 1;
      const d2 = this.dist2(m, q);
      if (d2 < bestD2 || (d2 === bestD2 && this.ids[m] < this.ids[best])) {
        bestD2 = d2;
        best = m;
      }
      const delta = q[this.axes[m]] - this.coords[m * 3 + this.axes[m]];
      // Far side pushed first, so the near side is searched first and tightens the bound.
      if (delta <= 0) stack.push(m + 1, hi, delta * delta, lo, m, plane2);
      else stack.push(lo, m, delta * delta, m + 1, hi, plane2);
    }
    const index = this.ids[best];
    const p = this.points[index];
    return { index, km: haversineKm(lat, lon, p.lat, p.lon) };
  }

  /** Indices of every point whose great-circle distance is at most `km`, in ascending index order. */
  within(lat: number, lon: number, km: number): number[] {
    const found: number[] = [];
    if (this.size === 0 || !(km >= 0)) return found;
    const q = unitVector(lat, lon);
    // A hair wider than the exact chord, then the haversine test decides: no point is lost to rounding.
    const r = chordOfKm(km) * (1 + 1e-9) + 1e-12;
    const r2 = r * r;
    const consider = (k: number): void => {
      if (this.dist2(k, q) <= r2) {
        const index = this.ids[k];
        const p = this.points[index];
        if (haversineKm(lat, lon, p.lat, p.lon) <= km) found.push(index);
      }
    };
    const stack: number[] = [0, this.size];
    while (stack.length > 0) {
      const hi = stack.pop()!;
      const lo = stack.pop()!;
      if (hi - lo <= LEAF_SIZE) {
        for (let k = lo; k < hi; k++) consider(k);
        continue;
      }
      const m = (lo + hi) >> 1;
      consider(m);
      const delta = q[this.axes[m]] - this.coords[m * 3 + this.axes[m]];
      if (delta <= r) stack.push(lo, m);
      if (delta >= -r) stack.push(m + 1, hi);
    }
    return found.sort((a, b) => a - b);
  }

  private dist2(k: number, q: readonly number[]): number {
    const dx = this.coords[k * 3] - q[0];
    const dy = this.coords[k * 3 + 1] - q[1];
    const dz = this.coords[k * 3 + 2] - q[2];
    return dx * dx + dy * dy + dz * dz;
  }

  private build(lo: number, hi: number): void {
    if (hi - lo <= LEAF_SIZE) return;
    const axis = this.widestAxis(lo, hi);
    this.sortRange(lo, hi, axis);
    const m = (lo + hi) >> 1;
    this.axes[m] = axis;
    this.build(lo, m);
    this.build(m + 1, hi);
  }

  private widestAxis(lo: number, hi: number): number {
    let axis = 0;
    let widest = -1;
    for (let a = 0; a < 3; a++) {
      let min = Number.POSITIVE_INFINITY;
      let max = Number.NEGATIVE_INFINITY;
      for (let k = lo; k < hi; k++) {
        const v = this.coords[k * 3 + a];
        if (v < min) min = v;
        if (v > max) max = v;
      }
      if (max - min > widest) {
        widest = max - min;
        axis = a;
      }
    }
    return axis;
  }

  /** Sorts positions lo..hi-1 by their coordinate on `axis` (a full sort: n is a few thousand). */
  private sortRange(lo: number, hi: number, axis: number): void {
    const order = Array.from({ length: hi - lo }, (_, i) => lo + i);
    order.sort((a, b) => this.coords[a * 3 + axis] - this.coords[b * 3 + axis] || this.ids[a] - this.ids[b]);
    const ids = order.map((k) => this.ids[k]);
    const coords = order.map((k) => [this.coords[k * 3], this.coords[k * 3 + 1], this.coords[k * 3 + 2]]);
    for (let i = 0; i < order.length; i++) {
      this.ids[lo + i] = ids[i];
      this.coords.set(coords[i], (lo + i) * 3);
    }
  }
}
