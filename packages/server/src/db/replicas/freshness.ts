/**
 * Which database may answer a read, decided from two kinds of facts: samples of the primary's WAL
 * position, each stamped with the local (monotonic) time the sample was *asked for*, and each
 * standby's replayed position. A standby that replayed past a sample holds every commit made
 * before that sample was asked for: it is *complete up to* that time. Its lag is now minus that
 * time; it answers reads while the lag is within the bound, and answers a writer's reads once it is
 * complete up to a time after that writer's last write ended. Pure: router.ts feeds it.
 */

/** The primary's WAL end (walEnd of pg_current_wal_insert_lsn) and when it was asked for. */
export interface PrimarySample {
  at: number;
  lsn: bigint;
}

/** Recent samples of the primary, oldest first. */
export class PrimaryTimeline {
  private readonly samples: PrimarySample[] = [];

  add(sample: PrimarySample): void {
    this.samples.push(sample);
  }

  get latest(): PrimarySample | undefined {
    return this.samples.at(-1);
  }

  /** When the newest sample a standby that replayed `replayed` covers was asked for. */
  completeUpTo(replayed: bigint): number | undefined {
    for (let i = this.samples.length - 1; i >= 0; i--) {
      if (this.samples[i].lsn <= replayed) return this.samples[i].at;
    }
    return undefined; // behind every sample kept: older than any lag we accept
  }

  /** Forgets samples asked for before `before`, always keeping the newest. */
  forgetBefore(before: number): void {
    while (this.samples.length > 1 && this.samples[0].at < before) this.samples.shift();
  }
}

/** What the router knows of one standby after its last check. */
export interface ReplicaState {
  /** Its last check answered, as a standby. */
  up: boolean;
  /** See PrimaryTimeline.completeUpTo; undefined until known. */
  completeUpTo?: number;
}

export function lagMs(replica: ReplicaState, now: number): number | undefined {
  return replica.completeUpTo === undefined ? undefined : Math.max(0, now - replica.completeUpTo);
}

export function usable(replica: ReplicaState, now: number, maxLagMs: number): boolean {
  const lag = lagMs(replica, now);
  return replica.up && lag !== undefined && lag <= maxLagMs;
}

/** One principal's writes as the router sees them: in flight, and when the last one ended. */
export interface WriterMark {
  pending: number;
  endedAt: number;
  /** When the oldest write still pending began (a request that never ends is not waited for ever). */
  since: number;
}

/** Who wrote recently, by principal key (`kind:id`). */
export class WriterMarks {
  private readonly marks = new Map<string, WriterMark>();

  /** A request that may write began (before anything of it ran). */
  begin(key: string, now: number): void {
    const mark = this.marks.get(key);
    if (mark) {
      if (mark.pending === 0) mark.since = now;
      mark.pending += 1;
    } else this.marks.set(key, { pending: 1, endedAt: Number.NEGATIVE_INFINITY, since: now });
  }

  /** It ended: everything it wrote has committed (or never will). */
  end(key: string, now: number): void {
    const mark = this.marks.get(key);
    if (!mark) return;
    mark.pending = Math.max(0, mark.pending - 1);
    mark.endedAt = now;
  }

  get(key: string): WriterMark | undefined {
    return this.marks.get(key);
  }

  get size(): number {
    return this.marks.size;
  }

  /**
   * Forgets writers every usable replica holds anyway: a replica is usable only when complete up
   * to at least now − maxLag, so writes that ended before that are on it. A write pending for
   * longer than `stuckMs` (its request never reported its end) counts as ended now.
   */
  sweep(now: number, maxLagMs: number, stuckMs: number): void {
    for (const [key, mark] of this.marks) {
      if (mark.pending > 0 && now - mark.since > stuckMs) {
        mark.pending = 0;
        mark.endedAt = now;
      }
      if (mark.pending === 0 && mark.endedAt < now - maxLagMs) this.marks.delete(key);
    }
  }
}

export type Route =
  | { target: 'replica'; index: number }
  | { target: 'primary'; reason: 'own-write' | 'no-usable-replica' };

/**
 * Where one read goes: a usable replica that holds the reader's own writes (taken in turn from
 * `turn`), else the primary — with the reason, for the metrics.
 */
export function chooseRoute(
  replicas: readonly ReplicaState[],
  mark: WriterMark | undefined,
  now: number,
  maxLagMs: number,
  turn: number,
): Route {
  if (mark && mark.pending > 0) return { target: 'primary', reason: 'own-write' };
  const candidates: number[] = [];
  let anyUsable = false;
  for (const [index, replica] of replicas.entries()) {
    if (!usable(replica, now, maxLagMs)) continue;
    anyUsable = true;
    if (!mark || (replica.completeUpTo as number) > mark.endedAt) candidates.push(index);
  }
  if (!anyUsable) return { target: 'primary', reason: 'no-usable-replica' };
  if (candidates.length === 0) return { target: 'primary', reason: 'own-write' };
  return { target: 'replica', index: candidates[turn % candidates.length] };
}
