/**
 * The closed-loop load driver shared by the HTTP runs and the raw-SQL floor: `concurrency` workers
 * each run one operation at a time, until `maxRequests` have been issued or `maxMs` has passed —
 * whichever comes first, so no run is unbounded. Latencies go into a log-bucketed histogram
 * (1% resolution, fixed memory) rather than an array, so the count bound is the only growth.
 */

/** Bucket b covers [GROWTH^b, GROWTH^(b+1)) microseconds; 1,800 buckets reach beyond 10 minutes. */
const GROWTH = 1.01;
const BUCKETS = 1800;
const LOG_GROWTH = Math.log(GROWTH);

export class Histogram {
  readonly counts = new Uint32Array(BUCKETS);
  count = 0;
  sumMs = 0;
  maxMs = 0;

  record(ms: number): void {
    const us = Math.max(1, ms * 1000);
    const b = Math.min(BUCKETS - 1, Math.floor(Math.log(us) / LOG_GROWTH));
    this.counts[b]++;
    this.count++;
    this.sumMs += ms;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  /** The upper edge of the bucket holding the q-quantile, in milliseconds (overstates by < 1%). */
  quantile(q: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.ceil(q * this.count);
    let seen = 0;
    for (let b = 0; b < BUCKETS; b++) {
      seen += this.counts[b];
      if (seen >= rank) return Math.min(this.maxMs, GROWTH ** (b + 1) / 1000);
    }
    return this.maxMs;
  }
}

export interface LoadOptions {
  concurrency: number;
  maxRequests: number;
  maxMs: number;
  /**
   * How long past `maxMs` to wait for operations already started. Beyond it the run is reported
   * with those operations still in flight (`stuck`) instead of hanging the benchmark: one
   * pathological query can take hours at full volume.
   */
  graceMs?: number;
}

export interface LoadResult {
  requests: number;
  /** Operations that threw or reported failure; their latency is still recorded. */
  errors: number;
  /** A few distinct error messages, to make a failing run readable. */
  errorSamples: string[];
  /** Operations still running when the run gave up waiting (see graceMs); not in `requests`. */
  stuck: number;
  elapsedMs: number;
  perSecond: number;
  p50: number;
  p99: number;
  meanMs: number;
  maxMs: number;
}

/**
 * One operation: `i` is its sequence number (0…maxRequests-1), which the caller maps to the data it
 * touches. It resolves to undefined on success, or to an error text.
 */
export type Operation = (i: number) => Promise<string | undefined>;

export async function runLoad(options: LoadOptions, op: Operation): Promise<LoadResult> {
  const histogram = new Histogram();
  const samples = new Set<string>();
  let next = 0;
  let errors = 0;
  let inFlight = 0;
  let gaveUp = false;
  const start = performance.now();
  const deadline = start + options.maxMs;
  const worker = async (): Promise<void> => {
    while (next < options.maxRequests && performance.now() < deadline) {
      const i = next++;
      const t0 = performance.now();
      let failure: string | undefined;
      inFlight++;
      try {
        failure = await op(i);
      } catch (err) {
        failure = (err as Error).message;
      }
      inFlight--;
      if (gaveUp) return; // this run is already reported; its late results are not counted
      histogram.record(performance.now() - t0);
      if (failure !== undefined) {
        errors++;
        if (samples.size < 5) samples.add(failure.slice(0, 300));
      }
    }
  };
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, options.maxMs + (options.graceMs ?? 300_000));
  });
  await Promise.race([Promise.all(Array.from({ length: options.concurrency }, worker)), limit]);
  clearTimeout(timer);
  gaveUp = true;
  const stuck = inFlight;
  const elapsedMs = performance.now() - start;
  return {
    requests: histogram.count,
    errors,
    errorSamples: [...samples],
    stuck,
    elapsedMs,
    perSecond: (histogram.count / elapsedMs) * 1000,
    p50: histogram.quantile(0.5),
    p99: histogram.quantile(0.99),
    meanMs: histogram.count ? histogram.sumMs / histogram.count : Number.NaN,
    maxMs: histogram.maxMs,
  };
}
