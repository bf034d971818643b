import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Resource } from '@medplum/fhirtypes';
import { FhirError } from './outcome.ts';
import type { SqlExecutor } from './sql.ts';
import { assertUniqueIdentifiers, type UniqueIdentifier } from './unique.ts';

const CNIE = 'https://sahti.ma/fhir/NamingSystem/cnie';
const UNIQUE: UniqueIdentifier[] = [{ resourceType: 'Patient', system: CNIE }];

const patient = (id: string, ...numbers: (string | { value: string; ended: string })[]): Resource => ({
  resourceType: 'Patient',
  id,
  identifier: numbers.map((n) =>
    typeof n === 'string'
      ? { system: CNIE, value: n }
      : { system: CNIE, value: n.value, period: { end: n.ended } },
  ),
});

/** An executor that records what it is asked, and finds the given holders in the index. */
function recording(holders: { id: string; value: string }[] = []) {
  const asked: { text: string; params: unknown[] }[] = [];
  const tx: SqlExecutor = {
    query: async <Row>(text: string, params: unknown[] = []) => {
      asked.push({ text, params });
      const rows = text.includes('FROM sp_token')
        ? holders
            .filter((h) => JSON.stringify(params).includes(`"${h.value}"`))
            .map((h) => ({ resource_type: 'Patient', id: h.id, system: CNIE, value: h.value }))
        : text.includes('FROM resource') // a rival's stored version
          ? holders
              .filter((h) => h.id === params[1])
              .map((h) => ({ content: JSON.stringify(patient(h.id, h.value)) }))
          : [];
      return { rows: rows as Row[] };
    },
  };
  return { tx, asked };
}

const locked = (asked: { text: string; params: unknown[] }[]) =>
  asked.filter((a) => a.text.includes('pg_advisory_xact_lock')).flatMap((a) => a.params[0] as string[]);

describe('unique identifiers: what a write asks the database', () => {
  it('a new holder locks its value and looks it up', async () => {
    const { tx, asked } = recording();
    await assertUniqueIdentifiers(tx, [patient('a', 'AB123456')], UNIQUE);
    assert.deepEqual(locked(asked), [`identifier|Patient|${CNIE}|AB123456`]);
    assert.equal(asked.length, 2);
  });

  it('an update keeping the number its stored version claims asks nothing', async () => {
    const { tx, asked } = recording([{ id: 'a', value: 'AB123456' }]);
    const stored = new Map([['Patient/a', patient('a', 'AB123456')]]);
    await assertUniqueIdentifiers(tx, [patient('a', 'AB123456')], UNIQUE, stored);
    assert.deepEqual(asked, []);
  });

  it('an update adding a number asks for that one only', async () => {
    const { tx, asked } = recording();
    const stored = new Map([['Patient/a', patient('a', 'AB123456')]]);
    await assertUniqueIdentifiers(tx, [patient('a', 'AB123456', 'CD654321')], UNIQUE, stored);
    assert.deepEqual(locked(asked), [`identifier|Patient|${CNIE}|CD654321`]);
  });

  it('a number whose stored identifier had ended is claimed anew, and refused when another holds it', async () => {
    const { tx, asked } = recording([{ id: 'b', value: 'AB123456' }]);
    const stored = new Map([['Patient/a', patient('a', { value: 'AB123456', ended: '2020-01-01' })]]);
    await assert.rejects(
      assertUniqueIdentifiers(tx, [patient('a', 'AB123456')], UNIQUE, stored),
      (err: unknown) => err instanceof FhirError && err.status === 409,
    );
    assert.deepEqual(locked(asked), [`identifier|Patient|${CNIE}|AB123456`]);
  });

  it('a version replaced as deleted (none stored) claims its number anew', async () => {
    const { tx, asked } = recording();
    const stored = new Map<string, Resource | undefined>([['Patient/a', undefined]]);
    await assertUniqueIdentifiers(tx, [patient('a', 'AB123456')], UNIQUE, stored);
    assert.equal(locked(asked).length, 1);
  });

  it('within one write, a kept number is still compared: another resource cannot take it beside', async () => {
    const { tx, asked } = recording([{ id: 'a', value: 'AB123456' }]);
    const stored = new Map([['Patient/a', patient('a', 'AB123456')]]);
    await assert.rejects(
      assertUniqueIdentifiers(tx, [patient('a', 'AB123456'), patient('b', 'AB123456')], UNIQUE, stored),
      (err: unknown) => err instanceof FhirError && err.status === 409,
    );
    assert.deepEqual(asked, []);
  });
});
