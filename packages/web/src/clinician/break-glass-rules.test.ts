import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reasonProblem } from './break-glass-rules.ts';

describe('reasonProblem', () => {
  it('wants a reason of at least 10 characters, spaces around not counted', () => {
    assert.equal(reasonProblem('   '), 'reasonMissing');
    assert.equal(reasonProblem('  coma     '), 'reasonShort');
    assert.equal(reasonProblem('Patient inconscient aux urgences'), undefined);
  });
});
