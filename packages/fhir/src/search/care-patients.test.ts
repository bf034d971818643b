import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SqlExecutor } from '../sql.ts';
import { CARE_PATIENTS_SQL, carePatients } from './care-patients.ts';

/** A database that answers the look-up with these rows (or fails), counting the look-ups. */
function database(rows: { id: string; linked: boolean }[], failFirst = 0) {
  let calls = 0;
  const db: SqlExecutor = {
    query: async <Row>(text: string) => {
      assert.equal(text, CARE_PATIENTS_SQL);
      calls += 1;
      await new Promise((resolve) => setImmediate(resolve));
      if (calls <= failFirst) throw new Error('connection lost');
      return { rows: rows as Row[] };
    },
  };
  return { db, calls: () => calls };
}

describe("a care list's Patients, kept with the list", () => {
  it('looks a kept list up once, however many searches ask for it at once', async () => {
    const { db, calls } = database([
      { id: 'a-linked', linked: true },
      { id: 'p1', linked: false },
    ]);
    const list = Object.freeze(['p1']);
    const answers = await Promise.all([1, 2, 3].map(() => carePatients(db, list)));
    assert.equal(calls(), 1);
    for (const answer of answers) assert.deepEqual(answer, { ids: ['a-linked', 'p1'], linked: '{t,f}' });
    await carePatients(db, list);
    assert.equal(calls(), 1, 'kept');
    await carePatients(db, Object.freeze(['p1']));
    assert.equal(calls(), 2, 'another list (a renewed care view) is looked up again');
  });

  it('sends no flags when no Patient is linked, and keeps nothing for a list that may change', async () => {
    const { db, calls } = database([{ id: 'p1', linked: false }]);
    assert.deepEqual(await carePatients(db, Object.freeze(['p1'])), { ids: ['p1'], linked: undefined });
    assert.equal(await carePatients(db, ['p1']), undefined);
    assert.equal(calls(), 1);
  });

  it('keeps no failed look-up, and a search waiting on one looks for itself', async () => {
    const { db, calls } = database([{ id: 'p1', linked: false }], 1);
    const list = Object.freeze(['p1']);
    const [first, second] = await Promise.allSettled([carePatients(db, list), carePatients(db, list)]);
    assert.equal(first.status, 'rejected');
    assert.deepEqual(second.status === 'fulfilled' && second.value?.ids, ['p1']);
    assert.deepEqual((await carePatients(db, list))?.ids, ['p1']);
    assert.equal(calls(), 3, 'the failed one, the waiter on its own, then a new look-up');
  });
});
