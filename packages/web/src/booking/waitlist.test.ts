import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WaitlistEntry } from './api.ts';
import { localDate } from './time.ts';
import { bookable, waitlistPeriod, waitlistProblems } from './waitlist.ts';

describe('joining a waiting list', () => {
  const today = '2026-12-01';
  it('asks for a day after today and within 90 days', () => {
    assert.deepEqual(waitlistProblems({ latest: '' }, today), [{ field: 'latest', key: 'latestMissing' }]);
    assert.deepEqual(waitlistProblems({ latest: '2026-12-01' }, today), [
      { field: 'latest', key: 'latestPast' },
    ]);
    assert.deepEqual(waitlistProblems({ latest: '2027-03-01' }, today), [
      { field: 'latest', key: 'latestTooFar' },
    ]);
    assert.deepEqual(waitlistProblems({ latest: '2026-12-15' }, today), []);
  });
  it('waits from now to the end of the chosen day, Morocco’s time', () => {
    const now = new Date('2026-12-01T10:00:00Z');
    const period = waitlistPeriod('2026-12-15', now);
    assert.equal(period.earliest, now.toISOString());
    assert.equal(localDate(period.latest), '2026-12-15');
    assert.equal(localDate(new Date(Date.parse(period.latest) + 60_000)), '2026-12-16');
  });
});

describe('a slot held by the waiting list', () => {
  const slot = {
    resourceType: 'Slot',
    id: 's1',
    status: 'busy-tentative',
    schedule: {},
    start: '',
    end: '',
  } as const;
  const entry = (over: Partial<WaitlistEntry>): WaitlistEntry => ({
    id: 'w1',
    schedule_id: 'sch',
    earliest: '2026-12-01T00:00:00Z',
    latest: '2026-12-20T00:00:00Z',
    created_at: '2026-12-01T00:00:00Z',
    offered_slot: 's1',
    offered_until: '2026-12-02T10:30:00Z',
    offered_start: null,
    offered_end: null,
    closed_at: null,
    close_reason: null,
    ...over,
  });
  const now = new Date('2026-12-02T10:00:00Z');
  it('is bookable by the patient it is offered to, from their own entries (the Slot does not say)', () => {
    assert.ok(bookable(slot, [entry({})], now));
    assert.ok(bookable({ ...slot, status: 'free' }, [], now));
  });
  it('is not bookable by anyone else, once the hold ran out, or once the entry closed', () => {
    assert.ok(!bookable(slot, [], now));
    assert.ok(!bookable(slot, [entry({ offered_slot: 's2' })], now));
    assert.ok(!bookable(slot, [entry({ offered_until: '2026-12-02T09:59:00Z' })], now));
    assert.ok(!bookable(slot, [entry({ closed_at: '2026-12-02T09:00:00Z' })], now));
    assert.ok(!bookable({ ...slot, status: 'busy' }, [entry({})], now));
  });
});
