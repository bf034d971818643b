import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { loadDefinitions, validationOutcome } from '@sahti/fhir';
import { CNIE_SYSTEM, moroccanIdentifierRule } from '../identifiers/morocco.ts';
import { readValidationWorkers, ValidationPool } from './pool.ts';

loadDefinitions();
const rules = [moroccanIdentifierRule];

/** Valid and invalid resources of every kind validation tells apart, as a parsed request body holds them. */
function resources(n: number): unknown[] {
  const kinds: ((i: number) => unknown)[] = [
    (i) => ({ resourceType: 'Patient', name: [{ family: `Valide${i}` }], birthDate: '1980-02-03' }),
    (i) => ({ resourceType: 'Patient', name: [{ family: `Date${i}` }], birthDate: 'hier' }),
    (i) => ({ resourceType: 'Patient', identifier: [{ system: CNIE_SYSTEM, value: `0${i}` }] }),
    (i) => JSON.parse(`{"resourceType":"Patient","__proto__":{"admin":true},"id":"p${i}"}`),
    () => ({ resourceType: 'Patient', name: [{ family: 'nul\u0000' }] }),
    () => ({ resourceType: 'Patient', name: [{ family: 'demi\ud800' }] }),
    () => ({ resourceType: 'Observation', status: 'final' }),
    () => ({ resourceType: 'Nothing' }),
    () => 'not a resource',
    () => null,
    (i) => ({ resourceType: 'Patient', gender: i % 2 ? 'female' : 'unknown-code' }),
  ];
  return Array.from({ length: n }, (_, i) => kinds[i % kinds.length](i));
}

describe('validation on worker threads', () => {
  const pool = ValidationPool.forStore(2, rules) as ValidationPool;
  after(() => pool.close());

  it('gives each resource the outcome this thread gives it, in order', async () => {
    const batch = resources(150);
    const here = batch.map((r) => validationOutcome(r, rules));
    assert.ok(here.some((o) => o.issue?.[0]?.severity === 'information'));
    assert.ok(here.filter((o) => o.issue?.some((i) => i.severity === 'error')).length >= 100);
    assert.deepEqual(await pool.validateMany(batch), here);
  });

  it('keeps batches asked at the same time apart', async () => {
    const batches = [resources(70), resources(90).reverse(), resources(65).slice(3)];
    const outcomes = await Promise.all(batches.map((b) => pool.validateMany(b)));
    for (const [i, batch] of batches.entries())
      assert.deepEqual(
        outcomes[i],
        batch.map((r) => validationOutcome(r, rules)),
      );
  });

  it('still answers once closed, on this thread', async () => {
    const closed = ValidationPool.forStore(1, rules) as ValidationPool;
    await closed.validateMany(resources(5));
    await closed.close();
    const batch = resources(20);
    assert.deepEqual(
      await closed.validateMany(batch),
      batch.map((r) => validationOutcome(r, rules)),
    );
  });

  it('is used only with the platform rules the workers know, and sized from SAHTI_VALIDATION_WORKERS', () => {
    assert.equal(ValidationPool.forStore(2, []), undefined);
    assert.equal(ValidationPool.forStore(2, [moroccanIdentifierRule, () => []]), undefined);
    assert.equal(ValidationPool.forStore(0, rules), undefined);
    assert.equal(readValidationWorkers({ SAHTI_VALIDATION_WORKERS: '0' }), 0);
    assert.equal(readValidationWorkers({ SAHTI_VALIDATION_WORKERS: '3' }), 3);
    assert.equal(readValidationWorkers({}), 0);
    assert.ok(readValidationWorkers({ SAHTI_VALIDATION_WORKERS: 'cores' }) >= 1);
    for (const bad of ['-1', 'two', '1.5', '100'])
      assert.throws(
        () => readValidationWorkers({ SAHTI_VALIDATION_WORKERS: bad }),
        /SAHTI_VALIDATION_WORKERS/,
      );
  });
});
