import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { offersBreakGlass, reasonProblem } from './break-glass-rules.ts';

describe('reasonProblem', () => {
  it('wants a reason of at least 10 characters, spaces around not counted', () => {
    assert.equal(reasonProblem('   '), 'reasonMissing');
    assert.equal(reasonProblem('  coma     '), 'reasonShort');
    assert.equal(reasonProblem('Patient inconscient aux urgences'), undefined);
  });
});

describe('offersBreakGlass', () => {
  it('offers emergency access on a hidden or refused record, to clinical roles only', () => {
    assert.equal(offersBreakGlass(404, ['doctor']), true);
    assert.equal(offersBreakGlass(403, ['nurse']), true);
    assert.equal(offersBreakGlass(404, ['unit-assistant']), false);
    assert.equal(offersBreakGlass(500, ['doctor']), false);
    assert.equal(offersBreakGlass(undefined, ['doctor']), false);
  });
});
