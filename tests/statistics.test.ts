/**
 * The store gives the planner its tables' sizes as a new database fills (packages/fhir/src/
 * statistics.ts): an ANALYZE in the background once enough has been written. The embedded
 * database has no autovacuum, so without it a prepared statement keeps the plan it got on empty
 * tables (a sequential scan) however large they grow.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { analyze, analyzeStats, FhirStore, type SqlClient } from '../packages/fhir/src/index.ts';
import { newEngineDatabase } from './support/engine-database.ts';

const CNIE = 'https://sahti.ma/fhir/NamingSystem/cnie';
let db: SqlClient;
let close: (() => Promise<void>) | undefined;
before(async () => {
  ({ db, close } = await newEngineDatabase());
});
after(() => close?.());

const plannerRows = async (table: string): Promise<number> =>
  Number(
    (
      await db.query<{ n: number }>(
        'SELECT GREATEST(reltuples, 0)::float8 AS n FROM pg_class WHERE relname = $1::text',
        [table],
      )
    ).rows[0].n,
  );

describe('planner statistics as a new database fills', () => {
  it('the tables are analysed in the background after single creates, on the embedded database all of them', async () => {
    assert.equal(await plannerRows('resource'), 0, 'a new database');
    // a table of the server's own, filled after the start (as care relations are by bookings)
    await db.query(
      `INSERT INTO care_relation (id, patient_id, actor, source, granted_by, start_at)
       SELECT 'st-' || g, 'p-' || g, 'Practitioner/st', 'test', 'test', now() FROM generate_series(1, 600) g`,
    );
    // one create at a time, each in its own transaction (the CNIE is checked in it, as the
    // platform's store does), inside which the count is noted
    const store = new FhirStore(db, {
      baseUrl: 'http://localhost/fhir/R4',
      events: true,
      uniqueIdentifiers: [{ resourceType: 'Patient', system: CNIE }],
    });
    for (let i = 0; i < 600; i++)
      await store.create({
        resourceType: 'Patient',
        identifier: [{ system: CNIE, value: `ST${100000 + i}` }],
        name: [{ family: `Statistique-${i}` }],
      });
    const deadline = Date.now() + 20_000;
    while ((await plannerRows('resource')) < 500 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok((await plannerRows('resource')) >= 500, 'resource analysed after its 500th write');
    assert.ok((await plannerRows('sp_string')) >= 500, 'its index rows too');
    assert.ok((await plannerRows('resource_event')) >= 500, 'and the events');
    // PostgreSQL's autovacuum keeps the server's tables; the embedded database has none
    if (db.dialect === 'pglite')
      assert.equal(await plannerRows('care_relation'), 600, "the server's tables on the embedded database");
  });

  it('updates count towards the next ANALYZE too (an update-heavy database is sampled as it changes)', async () => {
    const store = new FhirStore(db, { baseUrl: 'http://localhost/fhir/R4', events: true });
    const patient = await store.create({ resourceType: 'Patient', name: [{ family: 'Mise-a-jour' }] });
    const before = analyzeStats(db).runs;
    for (let i = 0; i < 600; i++)
      await store.update('Patient', patient.resource.id as string, {
        ...patient.resource,
        name: [{ family: `Mise-a-jour-${i}` }],
      });
    // the pause after the last ANALYZE (nine times its length) may delay it a few seconds
    const deadline = Date.now() + 30_000;
    while (analyzeStats(db).runs === before && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(analyzeStats(db).runs > before, 'an ANALYZE after 600 updates');
    assert.equal(analyzeStats(db).failures, 0);
  });

  it('on the embedded database, a statement sent while ANALYZE runs waits for one table, not for all', async (t) => {
    if (db.dialect !== 'pglite') return t.skip('PostgreSQL runs other statements on other connections');
    // what the only connection ran, in order: each call's start and end
    const calls: string[] = [];
    const traced = (name: (text: string) => string) => async (text: string, run: () => Promise<unknown>) => {
      calls.push(`start ${name(text)}`);
      try {
        return await run();
      } finally {
        calls.push(`end ${name(text)}`);
      }
    };
    const trace = traced((text) => (/^ANALYZE\b/i.test(text) ? 'analyze' : text));
    const client: SqlClient = {
      dialect: db.dialect,
      query: ((text: string, params?: unknown[], options?: never) =>
        trace(text, () => db.query(text, params, options))) as SqlClient['query'],
      exec: (script) => trace(script, () => db.exec(script)) as Promise<void>,
      transaction: (work) => db.transaction(work),
      close: () => db.close(),
    };
    const analysing = analyze(client);
    // sent once the first ANALYZE statement has started, as a request's would be
    while (!calls.includes('start analyze')) await new Promise((resolve) => setImmediate(resolve));
    await client.query('SELECT 1 AS request');
    await analysing;
    const answered = calls.indexOf('end SELECT 1 AS request');
    const analysedAfter = calls.slice(answered).filter((c) => c === 'start analyze').length;
    assert.ok(analysedAfter > 10, `the request was answered with ${analysedAfter} tables still to analyse`);
    const tables = calls.filter((c) => c === 'start analyze').length;
    assert.ok(
      tables > 30,
      `${tables} ANALYZE statements: every table of the engine, the server and its modules`,
    );
  });
});
