import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jobIdForKey, occurrenceKey, occurrenceOf } from './job-id.ts';
import { parseSchedule } from './schedule.ts';

describe('parseSchedule', () => {
  it('aligns "every N seconds|minutes|hours" on the epoch, so every process agrees', () => {
    const every30s = parseSchedule('every 30 seconds');
    assert.equal(every30s.next(new Date('2026-03-01T10:00:07Z')).toISOString(), '2026-03-01T10:00:30.000Z');
    assert.equal(every30s.next(new Date('2026-03-01T10:00:30Z')).toISOString(), '2026-03-01T10:01:00.000Z');
    assert.equal(
      parseSchedule('every 5 min').next(new Date('2026-03-01T10:03:00Z')).toISOString(),
      '2026-03-01T10:05:00.000Z',
    );
    assert.equal(
      parseSchedule('Every 2 hours').next(new Date('2026-03-01T10:03:00Z')).toISOString(),
      '2026-03-01T12:00:00.000Z',
    );
  });

  it('reads cron expressions in Morocco’s time, with an optional seconds field', () => {
    // Morocco is at UTC+1 outside Ramadan
    assert.equal(
      parseSchedule('0 8 * * *').next(new Date('2026-07-01T00:00:00Z')).toISOString(),
      '2026-07-01T07:00:00.000Z',
    );
    assert.equal(
      parseSchedule('*/10 * * * * *').next(new Date('2026-07-01T00:00:03Z')).toISOString(),
      '2026-07-01T00:00:10.000Z',
    );
  });

  it('refuses what it cannot read, and periods under a second', () => {
    assert.throws(() => parseSchedule('every banana'), /neither/);
    assert.throws(() => parseSchedule('61 * * * *'), /neither/);
    assert.throws(() => parseSchedule('every 0 seconds'), /at least 1 second/);
  });
});

describe('job ids', () => {
  it('are UUIDs that depend on the name and the key only', () => {
    const id = jobIdForKey('notify.deliver', 'abc');
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(jobIdForKey('notify.deliver', 'abc'), id);
    assert.notEqual(jobIdForKey('notify.deliver', 'abd'), id);
    assert.notEqual(jobIdForKey('other', 'abc'), id);
  });

  it('carry a scheduled occurrence through its key', () => {
    const at = new Date('2026-07-01T07:00:00Z');
    assert.equal(occurrenceOf(occurrenceKey(at))?.toISOString(), at.toISOString());
    assert.equal(occurrenceOf('something else'), undefined);
    assert.equal(occurrenceOf(null), undefined);
  });
});
