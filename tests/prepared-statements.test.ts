/**
 * Statements the engine asks to keep prepared (`{ prepared: true }`: one version's write, the
 * unique-identifier check, a read by id) are named statements on a PostgreSQL server: parsed once
 * per connection, one name per text for the whole pool, a bounded number of names, and still right
 * after the table changes under them or a failed transaction. The embedded database names them too,
 * in its one session (`db/pglite-statements.ts`, tested there); the plans kept are checked on both.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FhirStore, migrate, type SqlClient } from '../packages/fhir/src/index.ts';
import { openPglite } from '../packages/server/src/db/pglite.ts';
import { openPostgres, statementNames } from '../packages/server/src/db/postgres.ts';
import { freshPostgresDatabase, testBackend } from './support/server.ts';

describe('statements kept prepared', () => {
  let db: SqlClient;
  let drop: (() => Promise<void>) | undefined;
  before(async () => {
    if (testBackend() === 'postgres') {
      const fresh = await freshPostgresDatabase();
      drop = fresh.drop;
      db = openPostgres(fresh.url, 1); // one connection: its session's prepared statements are visible
    } else db = await openPglite(undefined);
    await db.exec('CREATE TABLE thing (id text PRIMARY KEY, n int NOT NULL)');
  });
  after(async () => {
    await db?.close();
    await drop?.();
  });

  const prepared = async () =>
    db.dialect === 'postgres'
      ? (
          await db.query<{ name: string; statement: string }>(
            'SELECT name, statement FROM pg_prepared_statements',
          )
        ).rows
      : [];

  it('parses a text once and reuses it, in and out of transactions', async () => {
    const insert = 'INSERT INTO thing (id, n) VALUES ($1::text, $2::int)';
    await db.query(insert, ['a', 1], { prepared: true });
    await db.transaction((tx) => tx.query(insert, ['b', 2], { prepared: true }));
    const read = 'SELECT n FROM thing WHERE id = $1::text';
    assert.equal((await db.query<{ n: number }>(read, ['b'], { prepared: true })).rows[0].n, 2);
    assert.equal((await db.query<{ n: number }>(read, ['a'], { prepared: true })).rows[0].n, 1);
    if (db.dialect !== 'postgres') return;
    const names = await prepared();
    assert.deepEqual(
      names.map((r) => r.statement).sort(),
      [insert, read].sort(),
      'two texts, two named statements — not one per call',
    );
    assert.ok(names.every((r) => /^sahti_\d+$/.test(r.name)));
    // an unprepared statement leaves nothing behind
    await db.query('SELECT count(*) FROM thing WHERE n > $1::int', [0]);
    assert.equal((await prepared()).length, 2);
  });

  it('stays right when the table changes under a prepared statement', async () => {
    const read = 'SELECT id, n FROM thing WHERE id = $1::text';
    assert.equal((await db.query<{ n: number }>(read, ['a'], { prepared: true })).rows[0].n, 1);
    await db.exec('CREATE INDEX thing_n ON thing (n); ALTER TABLE thing ADD COLUMN note text');
    await db.query('UPDATE thing SET n = 10 WHERE id = $1::text', ['a']);
    assert.equal((await db.query<{ n: number }>(read, ['a'], { prepared: true })).rows[0].n, 10);
  });

  it('a failed transaction neither breaks the statement nor leaves its write', async () => {
    const insert = 'INSERT INTO thing (id, n) VALUES ($1::text, $2::int)';
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.query(insert, ['c', 3], { prepared: true });
        await tx.query(insert, ['c', 4], { prepared: true }); // duplicate key
      }),
      /duplicate key/,
    );
    await db.query(insert, ['d', 5], { prepared: true });
    const ids = (await db.query<{ id: string }>('SELECT id FROM thing ORDER BY id')).rows.map((r) => r.id);
    assert.deepEqual(ids, ['a', 'b', 'd']);
  });
});

describe('searches kept prepared', () => {
  let db: SqlClient;
  let drop: (() => Promise<void>) | undefined;
  before(async () => {
    if (testBackend() === 'postgres') {
      const fresh = await freshPostgresDatabase();
      drop = fresh.drop;
      db = openPostgres(fresh.url, 1);
    } else db = await openPglite(undefined);
    await migrate(db);
  });
  after(async () => {
    await db?.close();
    await drop?.();
  });

  it('a search by one exact identifier is planned once per connection; other searches on their values', async () => {
    const store = new FhirStore(db, { baseUrl: 'http://localhost/fhir/R4' });
    const system = 'https://sahti.ma/fhir/NamingSystem/cnie';
    for (const [value, family] of [
      ['AB100001', 'Alaoui'],
      ['AB100002', 'Bennani'],
    ])
      await store.create({ resourceType: 'Patient', identifier: [{ system, value }], name: [{ family }] });
    const searches = (): Promise<{ statement: string }[]> =>
      db
        .query<{ statement: string }>(
          "SELECT statement FROM pg_prepared_statements WHERE statement LIKE 'SELECT r.id, r.content%'",
        )
        .then((r) => r.rows);
    for (const value of ['AB100001', 'AB100002', 'AB999999']) {
      const found = await store.search('Patient', [['identifier', `${system}|${value}`]]);
      assert.equal(found.matches.length, value === 'AB999999' ? 0 : 1);
    }
    assert.equal((await searches()).length, 1, 'three values, one named statement');
    // planned on their values: a name, a code without its system, several identifiers, another page size
    await store.search('Patient', [['name', 'Ben']]);
    await store.search('Patient', [['identifier', 'AB100001']]);
    await store.search('Patient', [['identifier', `${system}|AB100001,${system}|AB100002`]]);
    await store.search('Patient', [
      ['identifier', `${system}|AB100001`],
      ['_count', '7'],
    ]);
    assert.equal((await searches()).length, 1);
  });

  it("a patient's observations and a care-giver's list are planned once, whoever asks, and each sees their own", async () => {
    const store = new FhirStore(db, { baseUrl: 'http://localhost/fhir/R4' });
    const patients: string[] = [];
    for (let i = 0; i < 4; i++) {
      const p = await store.create({ resourceType: 'Patient', name: [{ family: `Care${i}` }] });
      patients.push(p.resource.id as string);
      for (let k = 0; k < 3; k++)
        await store.create({
          resourceType: 'Observation',
          status: 'final',
          code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
          subject: { reference: `Patient/${p.resource.id}` },
          valueQuantity: { value: 60 + k, unit: '/min' },
        });
    }
    // two doctors, two patients each: one shape of scope, other values
    // a care list of two hundred, as a GP's: the patients here and others with nothing recorded
    const others = Array.from({ length: 198 }, (_, i) => `elsewhere-${i}`);
    const doctor = (mine: string[]) =>
      store.as({
        scope: { patients: [...mine, ...others], shared: ['Organization'], excludedTypes: ['Subscription'] },
      });
    const first = doctor(patients.slice(0, 2));
    const second = doctor(patients.slice(2));
    const texts = (): Promise<{ statement: string; generic_plans: string }[]> =>
      db
        .query<{ statement: string; generic_plans: string }>(
          "SELECT statement, generic_plans::text FROM pg_prepared_statements WHERE statement LIKE 'SELECT r.id, r.content%'",
        )
        .then((r) => r.rows);
    const before = (await texts()).length;
    for (let round = 0; round < 4; round++)
      for (const [who, mine, other] of [
        [first, patients.slice(0, 2), patients.slice(2)],
        [second, patients.slice(2), patients.slice(0, 2)],
      ] as const) {
        for (const p of mine) {
          const found = await who.search('Observation', [
            ['subject', `Patient/${p}`],
            ['_count', '10'],
          ]);
          assert.equal(found.matches.length, 3);
        }
        // another doctor's patient: nothing, through the same statement
        assert.equal(
          (await who.search('Observation', [['subject', `Patient/${other[0]}`]])).matches.length,
          0,
        );
        const list = await who.search('Patient', []);
        assert.deepEqual(list.matches.map((m) => m.id).sort(), [...mine].sort());
      }
    const kept = (await texts()).slice(before);
    // the observations at two page sizes, and the list
    assert.equal(kept.length, 3, kept.map((k) => k.statement).join('\n\n'));
    for (const k of kept)
      assert.ok(Number(k.generic_plans) >= 1, `kept on a generic plan: ${k.statement.slice(0, 200)}`);
    // the type is in the list's text, not a parameter: with it as one, a generic plan guessed its
    // share of the compartment, and at 2,000 patients PostgreSQL kept planning the list at every call
    // (bench/access.ts: 5,051 plans for 5,051 calls; docs/performance.md, *A page's accesses stored
    // as one event*) — what these few rows cannot show
    const careList = kept.find((k) => k.statement.includes('FROM compartment k'));
    assert.match(careList?.statement ?? '', /k\.resource_type = 'Patient'.*r\.resource_type = 'Patient'/s);
    // a code is still planned on its value
    await first.search('Observation', [['code', 'http://loinc.org|8867-4']]);
    assert.equal((await texts()).length - before, 3);
    // the list of another type reads the care list's compartment rows of that type, named too
    assert.equal((await first.search('Observation', [])).matches.length, 6);
    const all = await texts();
    assert.equal(all.length - before, 4);
    const observations = all.find((k) => k.statement.includes('FROM compartment d'));
    assert.match(
      observations?.statement ?? '',
      /d\.resource_type = 'Observation'.*r\.resource_type = 'Observation'/s,
    );
  });

  it('an update of one resource giving it a new CNIE checks it, locks and writes on generic plans, not planned again at each call', async () => {
    const system = 'https://sahti.ma/fhir/NamingSystem/cnie';
    const filling = new FhirStore(db, { baseUrl: 'http://localhost/fhir/R4' });
    // a table of some size, analysed: the planner then prices a guessed 10-row unnest() well above
    // the one row a custom plan sees (on an empty table both are nearly free). The CNIE check is
    // first asked after it, as on a server started on a populated database
    for (let i = 0; i < 3000; i++)
      await filling.create({
        resourceType: 'Patient',
        identifier: [{ system, value: `CD${100000 + i}` }],
        name: [{ family: `P${i}` }],
        gender: i % 2 ? 'male' : 'female',
        telecom: [{ system: 'phone', value: `+2126${String(10_000_000 + i)}`, use: 'mobile' }],
      });
    await db.exec('ANALYZE');
    const store = new FhirStore(db, {
      baseUrl: 'http://localhost/fhir/R4',
      uniqueIdentifiers: [{ resourceType: 'Patient', system }],
    });
    const identifier = [{ system, value: 'CD999999' }];
    const created = await store.create({ resourceType: 'Patient', identifier, name: [{ family: 'Tazi' }] });
    const id = created.resource.id as string;
    const historyScans = await sequentialScans(db, 'resource_history');
    // each update a number new to the patient (one it keeps is held already, not checked again)
    for (let i = 0; i < 12; i++)
      await store.update('Patient', id, {
        resourceType: 'Patient',
        id,
        identifier: [{ system, value: `CE${100000 + i}` }],
        name: [{ family: `Tazi-${i}` }],
      });
    const plans = (
      await db.query<{ statement: string; generic_plans: string; custom_plans: string }>(
        `SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements
          WHERE statement LIKE '%FOR UPDATE OF r%' OR statement LIKE '%INSERT INTO resource_history%'
             OR statement LIKE '%code = ''identifier''%'`,
      )
    ).rows;
    const lock = plans.find((p) => p.statement.includes('FOR UPDATE OF r'));
    const write = plans.find((p) => p.statement.includes('superseded AS'));
    const unique = plans.find((p) => p.statement.includes("code = 'identifier'"));
    // PostgreSQL plans the first five calls on their values, then keeps a generic plan when it costs
    // no more: with unnest() of one-element arrays it never did, and planned every call
    for (const [what, p] of [
      ['the lock of the current version', lock],
      ['the write of the new version', write],
      ['the check that no other patient holds the CNIE', unique],
    ] as const) {
      assert.ok(p, `${what} is a named statement`);
      assert.ok(
        Number(p!.generic_plans) >= 6,
        `${what}: ${p!.generic_plans} generic, ${p!.custom_plans} custom`,
      );
    }
    assert.equal(
      ((await store.read('Patient', id)) as { name: { family: string }[] }).name[0].family,
      'Tazi-11',
    );
    // the superseded version's history row is found by its key: told one version, not a guessed
    // hundred, the planner does not read the whole history to find it at each update
    if (historyScans !== undefined)
      assert.equal(
        ((await sequentialScans(db, 'resource_history')) ?? 0) - historyScans,
        0,
        'resource_history read whole',
      );
  });

  it("a system client's read by id runs the prepared read, its scope judged in memory", async () => {
    const store = new FhirStore(db, { baseUrl: 'http://localhost/fhir/R4' });
    const patient = await store.create({ resourceType: 'Patient', name: [{ family: 'Berrada' }] });
    const audit = await store.create({
      resourceType: 'AuditEvent',
      type: { code: 'rest' },
      recorded: '2026-12-04T10:00:00Z',
      agent: [{ requestor: true }],
      source: { observer: { display: 'test' } },
    });
    const system = store.as({ scope: { patients: 'all', shared: [], excludedTypes: ['AuditEvent'] } });
    const scoped = () =>
      db
        .query<{ n: string }>(
          "SELECT count(*)::text AS n FROM pg_prepared_statements WHERE statement LIKE '%resource_type = ANY(%AS visible%'",
        )
        .then((r) => Number(r.rows[0].n));
    const before = await scoped();
    for (let i = 0; i < 3; i++)
      assert.equal(
        ((await system.read('Patient', patient.resource.id as string)) as { name: { family: string }[] })
          .name[0].family,
        'Berrada',
      );
    // the type it may not read stays hidden, judged the same way
    assert.equal(await system.isVisible('AuditEvent', audit.resource.id as string), false);
    assert.equal(await system.isVisible('Patient', patient.resource.id as string), true);
    assert.equal(await scoped(), before, 'no statement carrying the scope was prepared');
    const plans = (
      await db.query<{ generic_plans: string }>(
        "SELECT generic_plans FROM pg_prepared_statements WHERE statement LIKE 'SELECT h.version_id, h.deleted,%' AND statement LIKE '%AS visible%'",
      )
    ).rows;
    assert.ok(plans.length >= 1, 'the read by id is a named statement');
  });
});

describe('statement names', () => {
  it('one name per text, and none past the limit (then the text runs unnamed)', () => {
    const nameOf = statementNames(2);
    const a = nameOf('SELECT 1');
    assert.equal(nameOf('SELECT 1'), a);
    const b = nameOf('SELECT 2');
    assert.notEqual(a, b);
    assert.equal(nameOf('SELECT 3'), undefined);
    assert.equal(nameOf('SELECT 2'), b, 'names given before the limit stay');
  });
});

/**
 * Sequential scans of a table so far, this session's included (PostgreSQL; PGlite keeps no table
 * statistics: undefined). The session's counts are flushed first, which PostgreSQL otherwise does
 * at most once a second.
 */
async function sequentialScans(db: SqlClient, table: string): Promise<number | undefined> {
  if (db.dialect !== 'postgres') return undefined;
  await db.query('SELECT pg_stat_force_next_flush()');
  await db.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await db.query<{ n: string }>(
    'SELECT seq_scan::text AS n FROM pg_stat_user_tables WHERE relname = $1::text',
    [table],
  );
  return Number(rows[0].n);
}
