import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseRoute, lagMs, PrimaryTimeline, type ReplicaState, usable, WriterMarks } from './freshness.ts';

describe('a standby is complete up to the newest primary sample it replayed', () => {
  const timeline = new PrimaryTimeline();
  timeline.add({ at: 100, lsn: 1000n });
  timeline.add({ at: 200, lsn: 1000n }); // idle primary: same position
  timeline.add({ at: 300, lsn: 1500n });
  timeline.add({ at: 400, lsn: 2000n });

  it('takes the newest sample at or below the replayed position', () => {
    assert.equal(timeline.completeUpTo(2000n), 400);
    assert.equal(timeline.completeUpTo(1999n), 300);
    assert.equal(timeline.completeUpTo(1000n), 200);
    assert.equal(timeline.completeUpTo(999n), undefined);
  });

  it('forgets old samples but keeps the newest', () => {
    const t = new PrimaryTimeline();
    t.add({ at: 1, lsn: 1n });
    t.add({ at: 2, lsn: 2n });
    t.forgetBefore(10);
    assert.deepEqual(t.latest, { at: 2, lsn: 2n });
    assert.equal(t.completeUpTo(1n), undefined);
    assert.equal(t.completeUpTo(5n), 2);
  });
});

describe('lag and usability', () => {
  it('lag is the age of the oldest commit a standby may miss; unknown until it covers a sample', () => {
    assert.equal(lagMs({ up: true, completeUpTo: 1000 }, 1800), 800);
    assert.equal(lagMs({ up: true }, 1800), undefined);
    assert.ok(usable({ up: true, completeUpTo: 1000 }, 1800, 1000));
    assert.ok(!usable({ up: true, completeUpTo: 1000 }, 2001, 1000), 'beyond the bound');
    assert.ok(!usable({ up: false, completeUpTo: 1000 }, 1001, 1000), 'down');
    assert.ok(!usable({ up: true }, 1001, 1000), 'never measured');
  });
});

describe('where a read goes', () => {
  const fresh: ReplicaState = { up: true, completeUpTo: 5000 };
  const behind: ReplicaState = { up: true, completeUpTo: 3000 };
  const down: ReplicaState = { up: false, completeUpTo: 5000 };

  it('to a usable replica when the reader wrote nothing, in turn', () => {
    assert.deepEqual(chooseRoute([fresh, fresh], undefined, 5100, 2000, 0), { target: 'replica', index: 0 });
    assert.deepEqual(chooseRoute([fresh, fresh], undefined, 5100, 2000, 1), { target: 'replica', index: 1 });
  });

  it('skips replicas that are down or beyond the lag bound', () => {
    assert.deepEqual(chooseRoute([down, behind, fresh], undefined, 5100, 2000, 0), {
      target: 'replica',
      index: 2,
    });
    assert.deepEqual(chooseRoute([down, behind], undefined, 5100, 2000, 0), {
      target: 'primary',
      reason: 'no-usable-replica',
    });
    assert.deepEqual(chooseRoute([], undefined, 5100, 2000, 0), {
      target: 'primary',
      reason: 'no-usable-replica',
    });
  });

  it("a writer's reads go to the primary while it writes, then to replicas holding its last write", () => {
    const marks = new WriterMarks();
    marks.begin('staff:a', 4000);
    assert.deepEqual(chooseRoute([fresh], marks.get('staff:a'), 4100, 2000, 0), {
      target: 'primary',
      reason: 'own-write',
    });
    marks.end('staff:a', 4500);
    assert.deepEqual(chooseRoute([behind, fresh], marks.get('staff:a'), 4600, 5000, 0), {
      target: 'replica',
      index: 1,
    });
    assert.deepEqual(chooseRoute([behind], marks.get('staff:a'), 4600, 5000, 0), {
      target: 'primary',
      reason: 'own-write',
    });
    // complete up to exactly the end of the write is not enough: the sample may predate the commit
    assert.deepEqual(chooseRoute([{ up: true, completeUpTo: 4500 }], marks.get('staff:a'), 4600, 5000, 0), {
      target: 'primary',
      reason: 'own-write',
    });
    assert.deepEqual(chooseRoute([behind], marks.get('staff:b'), 4600, 5000, 0), {
      target: 'replica',
      index: 0,
    });
  });

  it('forgets writers once every usable replica must hold their writes', () => {
    const marks = new WriterMarks();
    marks.begin('a', 0);
    marks.end('a', 100);
    marks.begin('b', 0); // never ends
    marks.sweep(1500, 2000, 60_000);
    assert.equal(marks.size, 2);
    marks.sweep(2101, 2000, 60_000);
    assert.equal(marks.get('a'), undefined);
    assert.equal(marks.get('b')?.pending, 1);
    marks.sweep(60_001, 2000, 60_000); // stuck: counted as ended now, kept until the bound passes
    assert.equal(marks.get('b')?.pending, 0);
    marks.sweep(62_002, 2000, 60_000);
    assert.equal(marks.size, 0);
  });

  it('counts concurrent writes of one principal', () => {
    const marks = new WriterMarks();
    marks.begin('a', 0);
    marks.begin('a', 10);
    marks.end('a', 20);
    assert.equal(marks.get('a')?.pending, 1);
    marks.end('a', 30);
    assert.deepEqual(marks.get('a'), { pending: 0, endedAt: 30, since: 0 });
  });
});
