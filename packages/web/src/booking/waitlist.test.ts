import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { localDate } from './time.ts';
import { waitlistPeriod, waitlistProblems } from './waitlist.ts';

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
