/**
 * The audit trail on a real database (PGlite, then PostgreSQL): concurrent writers keep one
 * unbroken hash chain, tampering is found at the first broken seq, nothing queued is lost on
 * close or on a failed flush, and a patient's access list reads newest first in pages.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { SqlClient } from '@sahti/fhir';
import Fastify, { type FastifyInstance } from 'fastify';
import { exportAnchor, lastAnchorIn, makeAnchor, verifyAnchor } from '../packages/server/src/audit/anchor.ts';
import { canonicalJson, chainHash, GENESIS } from '../packages/server/src/audit/chain.ts';
import { auditColumns, buildAuditEvent } from '../packages/server/src/audit/event.ts';
import {
  type AuditInput,
  type AuditLog,
  createAuditLog,
  listAccessesToPatient,
  registerAuditRoutes,
  searchAuditEvents,
  verifyAuditChain,
} from '../packages/server/src/audit/index.ts';
import { AUDIT_MIGRATIONS } from '../packages/server/src/audit/migrations.ts';
import { doctor, patient } from '../packages/server/src/audit/test-fixture.ts';
import { SigningKeys } from '../packages/server/src/auth/keys.ts';
import { openDatabase } from '../packages/server/src/db/index.ts';
import { openPglite } from '../packages/server/src/db/pglite.ts';
import { openPostgres } from '../packages/server/src/db/postgres.ts';
import type { Principal } from '../packages/server/src/kernel/principal.ts';
import { freshPostgresDatabase, testBackend } from './support/server.ts';

const nurse: Principal = {
  ...doctor,
  id: 'acc-nurse',
  roles: ['nurse'],
  fhirUser: 'Practitioner/n-idrissi',
  display: 'Inf. Youssef Idrissi',
};
// the patient fixture, signed in on the web
const patientP1: Principal = { ...patient, clientId: 'web' };
const admin: Principal = {
  ...doctor,
  id: 'acc-admin',
  roles: ['administrator'],
  fhirUser: undefined,
  display: 'Admin',
};

const read = (patient: string, i: number, extra: Partial<AuditInput> = {}): AuditInput => ({
  principal: i % 2 ? doctor : nurse,
  interaction: 'read',
  resourceType: 'Observation',
  ids: [`obs-${i}`],
  patientIds: [patient],
  outcome: 200,
  ...extra,
});

let server: FastifyInstance;
let db: SqlClient;
let drop: (() => Promise<void>) | undefined;
let databaseUrl: string | undefined;
let audit: AuditLog;
const principals: Record<string, Principal> = { doctor, nurse, p1: patientP1, admin };

before(async () => {
  if (testBackend() === 'postgres') {
    const fresh = await freshPostgresDatabase();
    databaseUrl = fresh.url;
    drop = fresh.drop;
  }
  db = await openDatabase({ databaseUrl });
  audit = createAuditLog(db);
  // the audit routes beside a catch-all standing for fhir-routes.ts's `/fhir/R4/*`, registered
  // first, as in the platform: the specific routes must still win
  server = Fastify();
  server.addContentTypeParser('application/fhir+json', { parseAs: 'string' }, (_req, body, done) =>
    done(null, body),
  );
  server.all('/fhir/R4/*', async () => ({ servedBy: 'fhir-wildcard' }));
  registerAuditRoutes(server, {
    audit,
    authenticate: async (req) => principals[String(req.headers['x-test-user'])],
    canRead: (p, patientId) => p.kind === 'staff' || p.fhirUser === `Patient/${patientId}`,
  });
  await server.ready();
});
after(async () => {
  await server?.close();
  await audit?.close();
  await db?.close();
  await drop?.();
});

const count = async (): Promise<number> =>
  Number((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_event')).rows[0].n);

/** Tampering needs the owner to switch the append-only trigger off first, as an attacker would. */
async function tamper(sql: string, params: unknown[] = [], table = 'audit_event'): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(`ALTER TABLE ${table} DISABLE TRIGGER ${table}_no_update`);
    await tx.query(sql, params);
    await tx.query(`ALTER TABLE ${table} ENABLE TRIGGER ${table}_no_update`);
  });
}

/** An empty database of the backend under test, no migration applied. */
async function scratchDatabase(): Promise<{ db: SqlClient; close(): Promise<void> }> {
  if (testBackend() === 'postgres') {
    const fresh = await freshPostgresDatabase();
    const scratch = openPostgres(fresh.url);
    return {
      db: scratch,
      close: async () => {
        await scratch.close();
        await fresh.drop();
      },
    };
  }
  const scratch = await openPglite(undefined);
  return { db: scratch, close: () => scratch.close() };
}

/** A migration's statements, split as migrate() splits them. */
const statements = (sql: string): string[] => sql.split(/;\s*$/m).filter((x) => x.trim());

describe('audit trail', () => {
  it('keeps one unbroken chain when thousands of events come from concurrent requests and two writers', async () => {
    // a second writer on its own connection pool stands for a second server process
    const otherDb = databaseUrl ? await openDatabase({ databaseUrl }) : db;
    const other = createAuditLog(otherDb, { flushIntervalMs: 5, batchSize: 97 });
    const before = await count();
    const requests = Array.from({ length: 40 }, async (_, r) => {
      for (let i = 0; i < 100; i++) {
        (r % 2 ? audit : other).record(read(`pc-${r % 7}`, i));
        if (i % 10 === 0) await new Promise((done) => setImmediate(done));
      }
    });
    await Promise.all(requests);
    await Promise.all([audit.flush(), other.flush()]);
    await other.close();
    if (otherDb !== db) await otherDb.close();
    assert.equal((await count()) - before, 4000);
    const report = await verifyAuditChain(db, { pageSize: 700 });
    assert.deepEqual({ ok: report.ok, checked: report.checked }, { ok: true, checked: before + 4000 });
    const seqs = await db.query<{ min: number; max: number }>(
      'SELECT min(seq)::int AS min, max(seq)::int AS max FROM audit_event',
    );
    assert.deepEqual(seqs.rows[0], { min: 1, max: before + 4000 });
  });

  it('stores each event as its own part and a context shared with other events, canonical texts that were hashed', async () => {
    const before = await count();
    // a doctor's two reads, then a page of three patients: one context for the reads, one for the page
    audit.record(read('pj-1', 1));
    audit.record(read('pj-2', 3));
    audit.record({
      ...read('pj-1', 5),
      interaction: 'search',
      ids: undefined,
      patientIds: ['pj-1', 'pj-2', 'pj-3'],
      query: 'Patient?general-practitioner=Practitioner/dr-alami',
    });
    await audit.flush();
    const rows = await db.query<{ own: string; type: string; digest: string; context: string }>(
      `SELECT e.content::text AS own, pg_typeof(e.content)::text AS type, e.context AS digest, c.content::text AS context
       FROM audit_event e JOIN audit_context c ON c.digest = e.context WHERE e.seq > $1::bigint ORDER BY e.seq`,
      [before],
    );
    // the page of three is one row (its patients' rows in audit_patient: the next test)
    assert.equal(rows.rows.length, 3);
    assert.deepEqual(new Set(rows.rows.map((r) => r.digest)).size, 2);
    for (const row of rows.rows) {
      assert.equal(row.type, 'text', 'the canonical text as written (migration 1106)');
      assert.equal(row.own, canonicalJson(JSON.parse(row.own)));
      assert.equal(row.context, canonicalJson(JSON.parse(row.context)));
      assert.equal(row.digest, createHash('sha256').update(row.context).digest('base64url'));
      // the row keeps what is its own: the entities (patient, resource, query) and the instant
      assert.deepEqual(Object.keys(JSON.parse(row.own)), ['entity', 'recorded']);
      assert.deepEqual(
        Object.keys(JSON.parse(row.context)).filter((key) => ['agent', 'source', 'outcome'].includes(key)),
        ['agent', 'outcome', 'source'],
      );
    }
    const stored = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_context');
    const contextsBefore = stored.rows[0].n;
    // the same contexts again: nothing more is stored for them
    audit.record(read('pj-3', 7));
    await audit.flush();
    assert.equal(
      (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_context')).rows[0].n,
      contextsBefore,
    );
    // read back whole, the event is what was hashed
    const whole = await listAccessesToPatient(db, 'pj-3', { count: 2 });
    assert.deepEqual(whole.events[0].agent[0].who, {
      reference: 'Practitioner/dr-alami',
      display: 'Dr Karima Alami',
    });
    assert.deepEqual(whole.events[0].entity?.[1].what, { reference: 'Observation/obs-7' });
    assert.equal(
      whole.events[1].entity?.find((e) => e.query)?.query,
      Buffer.from('Patient?general-practitioner=Practitioner/dr-alami').toString('base64'),
    );
    await assert.rejects(db.query('DELETE FROM audit_context'), /audit_context is append-only/);
    const report = await verifyAuditChain(db);
    assert.deepEqual({ ok: report.ok, checked: report.checked }, { ok: true, checked: await count() });
  });

  it("stores an access to several patients once and reads it as each patient's own event, which verification guards", async () => {
    const before = await count();
    const page: AuditInput = {
      principal: doctor,
      interaction: 'search',
      resourceType: 'Patient',
      query: 'Patient?general-practitioner=Practitioner/dr-alami',
      ids: ['Patient/pm-1', 'Patient/pm-2', 'Patient/pm-3'],
      patientIds: ['pm-1', 'pm-2', 'pm-3'],
      outcome: 200,
      recorded: '2026-03-02T09:00:00.000Z',
    };
    audit.record(page);
    audit.record(read('pm-2', 9, { recorded: '2026-03-02T09:00:01.000Z' }));
    await audit.flush();
    assert.equal((await count()) - before, 2);
    const seq = before + 1;
    const stored = await db.query<{ patient_id: string | null; patients: number | null }>(
      'SELECT patient_id, patients FROM audit_event WHERE seq = $1::bigint',
      [seq],
    );
    assert.deepEqual(stored.rows[0], { patient_id: null, patients: 3 });
    const links = await db.query<{ k: number; patient_id: string }>(
      'SELECT k, patient_id FROM audit_patient WHERE seq = $1::bigint ORDER BY k',
      [seq],
    );
    assert.deepEqual(
      links.rows.map((r) => [r.k, r.patient_id]),
      [
        [1, 'pm-1'],
        [2, 'pm-2'],
        [3, 'pm-3'],
      ],
    );
    // each patient's event is the one BALP asks for: theirs alone, as if recorded on its own
    for (const [k, patient] of ['pm-1', 'pm-2', 'pm-3'].entries()) {
      const { events } = await listAccessesToPatient(db, patient);
      const fromPage = events.filter((e) => e.id === `${seq}-${k + 1}`);
      assert.equal(fromPage.length, 1, `${patient}'s event of the page`);
      const { id: _id, ...event } = fromPage[0];
      assert.deepEqual(
        JSON.parse(canonicalJson(event)),
        JSON.parse(
          canonicalJson(buildAuditEvent({ ...page, ids: [`Patient/${patient}`], patientIds: [patient] })),
        ),
      );
      const named = event.entity?.flatMap((e) => (e.what?.reference ? [e.what.reference] : []));
      assert.deepEqual(named, [`Patient/${patient}`, `Patient/${patient}`]);
    }
    assert.equal((await listAccessesToPatient(db, 'pm-2')).events.length, 2);
    // the agent's search pages through the three events of one access without skipping or repeating
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page2 = await searchAuditEvents(db, {
        agent: 'Practitioner/dr-alami',
        since: '2026-03-02T09:00:00Z',
        before: '2026-03-02T09:00:02Z',
        count: 2,
        cursor,
      });
      seen.push(...page2.events.map((e) => e.id ?? ''));
      cursor = page2.nextCursor;
    } while (cursor);
    assert.deepEqual(seen, [`${seq + 1}`, `${seq}-3`, `${seq}-2`, `${seq}-1`]);
    const res = await server.inject({
      url: `/fhir/R4/AuditEvent/${seq}-2`,
      headers: { 'x-test-user': 'admin' },
    });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().id, `${seq}-2`);
    assert.equal(res.json().entity[0].what.reference, 'Patient/pm-2');
    assert.equal(
      (await server.inject({ url: `/fhir/R4/AuditEvent/${seq}-4`, headers: { 'x-test-user': 'admin' } }))
        .statusCode,
      404,
    );
    // a patient reads their own event of an access to several, and no other patient's
    audit.record({ ...page, ids: ['Patient/p1', 'Patient/pm-9'], patientIds: ['p1', 'pm-9'] });
    await audit.flush();
    const mixed = await count();
    const own = await server.inject({
      url: `/fhir/R4/AuditEvent/${mixed}-1`,
      headers: { 'x-test-user': 'p1' },
    });
    assert.equal(own.statusCode, 200);
    assert.doesNotMatch(own.body, /pm-9/);
    for (const id of [`${mixed}-2`, `${mixed}`, `${seq}-1`])
      assert.equal(
        (await server.inject({ url: `/fhir/R4/AuditEvent/${id}`, headers: { 'x-test-user': 'p1' } }))
          .statusCode,
        404,
        id,
      );
    assert.equal((await verifyAuditChain(db)).ok, true);
    // hiding the access from one patient — their row removed, or given to someone else — is found
    const removed = await db.query<Record<string, unknown>>(
      'SELECT * FROM audit_patient WHERE seq = $1::bigint AND k = 2',
      [seq],
    );
    await tamper('DELETE FROM audit_patient WHERE seq = $1::bigint AND k = 2', [seq], 'audit_patient');
    let report = await verifyAuditChain(db);
    assert.equal(report.firstBrokenSeq, seq);
    assert.match(report.reason ?? '', /patients' rows/);
    await tamper(
      'INSERT INTO audit_patient SELECT * FROM jsonb_populate_record(null::audit_patient, $1::jsonb)',
      [JSON.stringify({ ...removed.rows[0], patient_id: 'someone-else' })],
      'audit_patient',
    );
    report = await verifyAuditChain(db);
    assert.equal(report.firstBrokenSeq, seq);
    await tamper(
      `UPDATE audit_patient SET patient_id = 'pm-2' WHERE seq = $1::bigint AND k = 2`,
      [seq],
      'audit_patient',
    );
    assert.equal((await verifyAuditChain(db)).ok, true);
    // nor can a patient's row be added to an access that did not touch them
    await tamper(
      'INSERT INTO audit_patient SELECT * FROM jsonb_populate_record(null::audit_patient, $1::jsonb)',
      [JSON.stringify({ ...removed.rows[0], seq: seq + 1, k: 1 })],
      'audit_patient',
    );
    report = await verifyAuditChain(db);
    assert.equal(report.firstBrokenSeq, seq + 1);
    await tamper('DELETE FROM audit_patient WHERE seq = $1::bigint', [seq + 1], 'audit_patient');
    assert.equal((await verifyAuditChain(db)).ok, true);
  });

  it('reads and verifies a trail written before contexts were shared: whole events, jsonb before migration 1102', async () => {
    const fresh = await scratchDatabase();
    try {
      // the table as migration 1100 made it, written the old way: whole events in jsonb, chained
      const [create] = AUDIT_MIGRATIONS.filter((m) => m.version === 1100);
      await fresh.db.transaction(async (tx) => {
        for (const statement of statements(create.sql)) await tx.query(statement);
      });
      let prev = GENESIS;
      for (let seq = 1; seq <= 30; seq++) {
        const event = buildAuditEvent(read(`pw-${seq % 3}`, seq, { query: `Patient?name=é${seq}` }));
        const hash = chainHash(prev, canonicalJson(event), seq, event.recorded);
        const { patient_id, actor, action, outcome } = auditColumns(event);
        await fresh.db.query(
          `INSERT INTO audit_event (seq, recorded, patient_id, actor, action, outcome, content, prev_hash, hash)
           VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9)`,
          [seq, event.recorded, patient_id, actor, action, outcome, JSON.stringify(event), prev, hash],
        );
        prev = hash;
      }
      await fresh.db.transaction(async (tx) => {
        for (const m of AUDIT_MIGRATIONS.filter((x) => x.version > 1100))
          for (const statement of statements(m.sql)) await tx.query(statement);
      });
      const type = await fresh.db.query<{ type: string }>(
        'SELECT pg_typeof(content)::text AS type FROM audit_event LIMIT 1',
      );
      assert.equal(type.rows[0].type, 'text', 'the canonical text as written (migration 1106)');
      // new events go on the same chain, in two parts
      const log = createAuditLog(fresh.db);
      for (let i = 0; i < 5; i++) log.record(read('pw-1', i));
      await log.close();
      const report = await verifyAuditChain(fresh.db);
      assert.deepEqual({ ok: report.ok, checked: report.checked }, { ok: true, checked: 35 });
      const page = await listAccessesToPatient(fresh.db, 'pw-1', { count: 100 });
      assert.equal(page.events.length, 15);
      for (const event of page.events) assert.equal(event.agent.length, 3);
    } finally {
      await fresh.close();
    }
  });

  it('stores texts with quotes, backslashes, braces, NUL and any script exactly as hashed, and events of no patient', async () => {
    const before = await count();
    const queries = [
      'Patient?name="O\'Brien"',
      'Observation?code=a\\b\\\\c&note={x,y}',
      'Patient?name=بنعلي,NULL',
      'Patient?name=\u0000zéro 🩺 "quoted, {braced}"',
    ];
    for (const [i, query] of queries.entries())
      audit.record(
        read(`pq-${i}`, i, { query, ...(i === 3 ? { outcomeDesc: 'refus \u0000 "é" \\ {a,b} بنعلي' } : {}) }),
      );
    audit.record({
      principal: admin,
      interaction: 'search',
      resourceType: 'Organization',
      query: 'Organization?name=CHU',
      patientIds: [],
      outcome: 200,
    });
    await audit.flush();
    const rows = await db.query<{ own: string; context: string; patient_id: string | null; actor: string }>(
      `SELECT e.content::text AS own, c.content::text AS context, patient_id, actor
       FROM audit_event e JOIN audit_context c ON c.digest = e.context WHERE seq > $1::bigint ORDER BY seq`,
      [before],
    );
    assert.equal(rows.rows.length, queries.length + 1);
    const stored = rows.rows.map(
      (r) => ({ ...JSON.parse(r.context), ...JSON.parse(r.own) }) as { entity?: { query?: string }[] },
    );
    const sent = stored.map((e) =>
      Buffer.from(e.entity?.find((x) => x.query)?.query ?? '', 'base64').toString('utf8'),
    );
    // the query goes in base64, byte for byte; a text field is mended (NUL cannot be stored)
    assert.deepEqual(sent, [...queries, 'Organization?name=CHU']);
    assert.equal((stored[3] as { outcomeDesc?: string }).outcomeDesc, 'refus \uFFFD "é" \\ {a,b} بنعلي');
    for (const r of rows.rows) {
      assert.equal(r.own, canonicalJson(JSON.parse(r.own)));
      assert.equal(r.context, canonicalJson(JSON.parse(r.context)));
    }
    assert.deepEqual(
      rows.rows.map((r) => r.patient_id),
      ['pq-0', 'pq-1', 'pq-2', 'pq-3', null],
    );
    const report = await verifyAuditChain(db);
    assert.deepEqual({ ok: report.ok, checked: report.checked }, { ok: true, checked: await count() });
  });

  it("keeps every value in its own row when a text, an actor or a patient id holds the batch's separators", async () => {
    // the writer sends each column as one text split by U+001E, NULL as U+001F, an event's patients
    // split by U+001D (batch-columns.ts): content keeps them (escaped in JSON), columns mend them
    const before = await count();
    const odd: Principal = { ...doctor, fhirUser: 'Practitioner/a\u001eb', display: 'Dr \u001d\u001e\u001f' };
    audit.record(read('sep-0', 0, { outcomeDesc: 'a\u001eb\u001fc' }));
    audit.record({
      ...read('sep-1', 1),
      principal: odd,
      patientIds: ['sep-\u001d1', 'sep-2', 'sep-\u001f3'],
    });
    audit.record(read('sep-4', 2));
    await audit.flush();
    const rows = await db.query<{
      seq: string;
      actor: string;
      patient_id: string | null;
      patients: number | null;
    }>(
      'SELECT seq::text AS seq, actor, patient_id, patients FROM audit_event WHERE seq > $1::bigint ORDER BY seq',
      [before],
    );
    assert.deepEqual(
      rows.rows.map((r) => [r.actor, r.patient_id, r.patients]),
      [
        ['Practitioner/n-idrissi', 'sep-0', null],
        ['Practitioner/a\uFFFDb', null, 3],
        ['Practitioner/n-idrissi', 'sep-4', null],
      ],
    );
    const listed = await db.query<{ k: number; patient_id: string }>(
      'SELECT k, patient_id FROM audit_patient WHERE seq = $1::bigint ORDER BY k',
      [rows.rows[1].seq],
    );
    assert.deepEqual(
      listed.rows.map((r) => [Number(r.k), r.patient_id]),
      [
        [1, 'sep-\uFFFD1'],
        [2, 'sep-2'],
        [3, 'sep-\uFFFD3'],
      ],
    );
    const trail = await searchAuditEvents(db, { patient: 'sep-2' });
    assert.equal(trail.events.length, 1);
    assert.equal(
      trail.events[0].agent[0].who?.reference,
      'Practitioner/a\u001eb',
      'the content keeps what was sent',
    );
    const report = await verifyAuditChain(db);
    assert.deepEqual({ ok: report.ok, checked: report.checked }, { ok: true, checked: await count() });
  });
  it('refuses UPDATE and DELETE from the application', async () => {
    await assert.rejects(db.query(`UPDATE audit_event SET actor = 'x' WHERE seq = 1`), /append-only/);
    await assert.rejects(db.query('DELETE FROM audit_event WHERE seq = 1'), /append-only/);
  });

  it('finds an altered content at its seq, and a changed query column too', async () => {
    const original = await db.query<{ content: unknown; patient_id: string }>(
      'SELECT content::json AS content, patient_id FROM audit_event WHERE seq = 1234',
    );
    await tamper(
      `UPDATE audit_event SET content = jsonb_set(content::jsonb, '{outcome}', '"4"') WHERE seq = 1234`,
    );
    let report = await verifyAuditChain(db);
    assert.equal(report.ok, false);
    assert.equal(report.firstBrokenSeq, 1234);
    assert.equal(report.checked, 1233);
    assert.match(report.reason!, /altered/);
    await tamper('UPDATE audit_event SET content = $1::jsonb WHERE seq = 1234', [
      JSON.stringify(original.rows[0].content),
    ]);
    assert.equal((await verifyAuditChain(db)).ok, true);

    // a context is part of every event that names it: editing it breaks the first of them
    const first = (
      await db.query<{ seq: string; digest: string; content: unknown }>(
        `SELECT e.seq::text AS seq, e.context AS digest, c.content FROM audit_event e
         JOIN audit_context c ON c.digest = e.context ORDER BY e.seq LIMIT 1`,
      )
    ).rows[0];
    await tamper(
      `UPDATE audit_context SET content = jsonb_set(content::jsonb, '{agent,0,name}', '"Someone else"')::json
       WHERE digest = $1::text`,
      [first.digest],
      'audit_context',
    );
    report = await verifyAuditChain(db);
    assert.deepEqual([report.ok, report.firstBrokenSeq], [false, Number(first.seq)]);
    await tamper(
      'UPDATE audit_context SET content = $2::json WHERE digest = $1::text',
      [first.digest, JSON.stringify(first.content)],
      'audit_context',
    );
    assert.equal((await verifyAuditChain(db)).ok, true);
    // nor can a context go: the events that name it are reported, not read without their agents
    await tamper('DELETE FROM audit_context WHERE digest = $1::text', [first.digest], 'audit_context');
    report = await verifyAuditChain(db);
    assert.deepEqual([report.ok, report.firstBrokenSeq], [false, Number(first.seq)]);
    assert.match(report.reason!, /context is missing/);
    await db.query('INSERT INTO audit_context (digest, content) VALUES ($1::text, $2::json)', [
      first.digest,
      JSON.stringify(first.content),
    ]);
    assert.equal((await verifyAuditChain(db)).ok, true);

    // hiding an access from "who accessed my record" by moving it to another patient
    await tamper(`UPDATE audit_event SET patient_id = 'someone-else' WHERE seq = 77`);
    report = await verifyAuditChain(db);
    assert.deepEqual([report.ok, report.firstBrokenSeq], [false, 77]);
    assert.match(report.reason!, /patient_id/);
    await tamper('UPDATE audit_event SET patient_id = $1::text WHERE seq = 77', [
      (
        await db.query<{ p: string }>(
          `SELECT content::json #>> '{entity,0,what,reference}' AS p FROM audit_event WHERE seq = 77`,
        )
      ).rows[0].p.slice('Patient/'.length),
    ]);
    assert.equal((await verifyAuditChain(db)).ok, true);
  });

  it('finds a deleted row as the first missing seq, and a re-hashed forgery at the next link', async () => {
    const row = (
      await db.query<Record<string, unknown>>(
        'SELECT seq, recorded, patient_id, actor, action, outcome, content, prev_hash, hash, context FROM audit_event WHERE seq = 2500',
      )
    ).rows[0];
    await tamper('DELETE FROM audit_event WHERE seq = 2500');
    let report = await verifyAuditChain(db);
    assert.deepEqual([report.ok, report.firstBrokenSeq, report.checked], [false, 2500, 2499]);
    assert.match(report.reason!, /missing/);

    // a forger who rewrites the row AND its hash still breaks the link of seq 2501
    await tamper(
      `INSERT INTO audit_event SELECT seq, recorded, patient_id, actor, action, outcome, content, prev_hash,
       repeat('f', 64) FROM jsonb_populate_record(null::audit_event, $1::jsonb)`,
      [JSON.stringify(row)],
    );
    report = await verifyAuditChain(db);
    assert.equal(report.firstBrokenSeq, 2500); // its own hash no longer matches
    await tamper('DELETE FROM audit_event WHERE seq = 2500');
    await tamper(
      'INSERT INTO audit_event SELECT * FROM jsonb_populate_record(null::audit_event, $1::jsonb)',
      [JSON.stringify(row)],
    );
    assert.equal((await verifyAuditChain(db)).ok, true);
  });

  it('cannot see rows cut off the end by itself, but does against a kept anchor', async () => {
    const { head } = await verifyAuditChain(db);
    const last = (
      await db.query<Record<string, unknown>>('SELECT * FROM audit_event WHERE seq = $1::bigint', [head!.seq])
    ).rows[0];
    await tamper('DELETE FROM audit_event WHERE seq = $1::bigint', [head!.seq]);
    assert.equal((await verifyAuditChain(db)).ok, true);
    const report = await verifyAuditChain(db, { anchor: head });
    assert.deepEqual([report.ok, report.firstBrokenSeq], [false, head!.seq]);
    await tamper(
      'INSERT INTO audit_event SELECT * FROM jsonb_populate_record(null::audit_event, $1::jsonb)',
      [JSON.stringify(last)],
    );
    assert.equal((await verifyAuditChain(db, { anchor: head })).ok, true);
  });

  it('signs anchors with the platform key: a kept anchor finds a cut-off end, a forged one is refused', async () => {
    await audit.flush();
    const keys = new SigningKeys(db, 'test-secret-key-for-anchors-0123456789');
    const anchor = await makeAnchor(db, keys);
    assert.ok(anchor);
    const file = join(await mkdtemp(join(tmpdir(), 'sahti-anchor-')), 'anchors.jsonl');
    await exportAnchor(anchor, file);
    const kept = await lastAnchorIn(file);
    const signed = await verifyAnchor(kept, keys);
    assert.deepEqual([signed.seq, signed.hash], [anchor.seq, anchor.hash]);
    assert.equal((await verifyAuditChain(db, { anchor: signed })).ok, true);
    // a forged anchor (another hash under the same signature) and a foreign key are refused
    await assert.rejects(verifyAnchor({ ...kept, hash: '0'.repeat(64) }, keys), /does not match/);
    const [header, payload] = kept.jws.split('.');
    await assert.rejects(verifyAnchor({ ...kept, jws: `${header}.${payload}.${'A'.repeat(86)}` }, keys));
    // the end is cut: the chain alone looks fine, the signed anchor does not
    const last = (
      await db.query<Record<string, unknown>>('SELECT * FROM audit_event WHERE seq = $1::bigint', [
        anchor.seq,
      ])
    ).rows[0];
    await tamper('DELETE FROM audit_event WHERE seq = $1::bigint', [anchor.seq]);
    const alone = await verifyAuditChain(db);
    assert.equal(alone.ok, true, JSON.stringify({ alone, anchor: anchor.seq }));
    assert.equal((await verifyAuditChain(db, { anchor: signed })).ok, false);
    if (databaseUrl) {
      // the operator's command, against the exported file
      const run = spawnSync(
        process.execPath,
        ['packages/server/src/audit/verify-cli.ts', '--anchor-file', file],
        {
          env: {
            ...process.env,
            DATABASE_URL: databaseUrl,
            SAHTI_SECRET_KEY: 'test-secret-key-for-anchors-0123456789',
          },
          encoding: 'utf8',
        },
      );
      assert.equal(run.status, 1, run.stdout + run.stderr);
      assert.match(run.stdout, /BROKEN/);
    }
    await tamper(
      'INSERT INTO audit_event SELECT * FROM jsonb_populate_record(null::audit_event, $1::jsonb)',
      [JSON.stringify(last)],
    );
    assert.equal((await verifyAuditChain(db, { anchor: signed })).ok, true);
    if (databaseUrl) {
      const run = spawnSync(
        process.execPath,
        ['packages/server/src/audit/verify-cli.ts', '--anchor-file', file],
        {
          env: {
            ...process.env,
            DATABASE_URL: databaseUrl,
            SAHTI_SECRET_KEY: 'test-secret-key-for-anchors-0123456789',
          },
          encoding: 'utf8',
        },
      );
      assert.equal(run.status, 0, run.stdout + run.stderr);
      assert.match(run.stdout, /intact/);
    }
  });

  it('writes everything still queued on close, even with a timer that would never fire', async () => {
    const before = await count();
    const lazy = createAuditLog(db, { flushIntervalMs: 600_000, batchSize: 100_000 });
    await lazy.flush(); // an empty flush must not wedge the later ones
    for (let i = 0; i < 1234; i++) lazy.record(read('p-close', i));
    assert.equal(lazy.stats().queued, 1234);
    assert.equal(await count(), before);
    await lazy.close();
    assert.equal(await count(), before + 1234);
    lazy.record(read('p-close', 0)); // after close: counted as dropped, never thrown
    assert.deepEqual(lazy.stats(), { queued: 0, written: 1234, dropped: 1, failedFlushes: 0 });
    assert.equal((await verifyAuditChain(db)).ok, true);
  });

  it('writes a full batch at once instead of waiting for the timer', async () => {
    const log = createAuditLog(db, { flushIntervalMs: 600_000, batchSize: 10 });
    for (let i = 0; i < 25; i++) log.record(read('p-batch', i));
    // the 10-minute timer never fires here: a full batch starts the write, which takes what is queued
    for (let tries = 0; tries < 200 && log.stats().written < 25; tries++)
      await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual([log.stats().written, log.stats().queued], [25, 0]);
    await log.close();
  });

  it('writes what arrives during a write at the next turn of the timer, not back to back', async () => {
    let writes = 0;
    let firstDone: () => void = () => {};
    const firstWritten = new Promise<void>((resolve) => {
      firstDone = resolve;
    });
    const slow: SqlClient = {
      ...db,
      query: db.query.bind(db),
      transaction: async (work) => {
        writes++;
        await new Promise((r) => setTimeout(r, 50)); // a write that takes a while
        const result = await db.transaction(work);
        firstDone();
        return result;
      },
    };
    const log = createAuditLog(slow, { flushIntervalMs: 300 });
    log.record(read('p-turn', 0));
    while (writes === 0) await new Promise((r) => setTimeout(r, 5));
    for (let i = 1; i <= 3; i++) log.record(read('p-turn', i)); // while the first batch is written
    await firstWritten;
    await new Promise((r) => setTimeout(r, 100));
    // under load the old loop wrote these at once: one small transaction every few milliseconds
    assert.deepEqual([writes, log.stats().written, log.stats().queued], [1, 1, 3]);
    for (let tries = 0; tries < 200 && log.stats().written < 4; tries++)
      await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual([writes, log.stats().written], [2, 4], 'the three waited and went in one batch');
    await log.close();
    assert.equal((await verifyAuditChain(db)).ok, true);
  });

  it('keeps the events of a failed flush and writes them on the retry', async () => {
    let failures = 1;
    const flaky: SqlClient = {
      ...db,
      query: db.query.bind(db),
      transaction: (work) =>
        failures-- > 0 ? Promise.reject(new Error('connection lost')) : db.transaction(work),
    };
    const errors: string[] = [];
    const log = createAuditLog(flaky, { flushIntervalMs: 600_000, onError: (e) => errors.push(e.message) });
    for (let i = 0; i < 10; i++) log.record(read('p-retry', i));
    await assert.rejects(log.flush(), /connection lost/);
    assert.deepEqual([log.stats().queued, log.stats().failedFlushes], [10, 1]);
    await log.close();
    assert.equal(log.stats().written, 10);
    assert.equal((await listAccessesToPatient(db, 'p-retry', { count: 100 })).events.length, 10);
  });

  it("lists a patient's accesses newest first, in pages that neither skip nor repeat", async () => {
    const start = Date.parse('2026-02-01T08:00:00Z');
    for (let i = 0; i < 23; i++) {
      audit.record(read('p-list', i, { recorded: new Date(start + i * 60_000).toISOString() }));
      audit.record(read('p-other', i));
    }
    // two accesses at the same instant: seq breaks the tie
    audit.record(read('p-list', 100, { recorded: new Date(start + 5 * 60_000).toISOString() }));
    await audit.flush();
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await listAccessesToPatient(db, 'Patient/p-list', {
        count: 5,
        ...(cursor ? { cursor } : {}),
      });
      seen.push(...page.events.map((e) => `${e.recorded}|${e.id}`));
      for (const e of page.events) assert.equal(e.entity?.[0].what?.reference, 'Patient/p-list');
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    assert.equal(pages, 5);
    assert.equal(seen.length, 24);
    assert.equal(new Set(seen).size, 24);
    const sorted = [...seen].sort((a, b) => {
      const [ra, sa] = a.split('|');
      const [rb, sb] = b.split('|');
      return rb.localeCompare(ra) || Number(sb) - Number(sa);
    });
    assert.deepEqual(seen, sorted);
    assert.equal(seen[0].split('|')[0], new Date(start + 22 * 60_000).toISOString());
  });

  it("analyses the trail from a small sample and still reads a patient's accesses by the patient index", async () => {
    // a busy patient beside rare ones, so that the statistics have something to tell apart
    for (let i = 0; i < 3_000; i++) audit.record(read(i % 3 ? 'p-busy' : `p-rare-${i % 300}`, i));
    await audit.flush();
    await db.query('ANALYZE audit_event');
    const targets = await db.query<{ attname: string; target: number | null }>(
      `SELECT attname, attstattarget::int AS target FROM pg_attribute
        WHERE attrelid = 'audit_event'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    );
    // ANALYZE's sample is 300 rows per unit of the largest target: 3,000 events, not 30,000
    assert.equal(Math.max(...targets.rows.map((r) => Number(r.target))), 10, JSON.stringify(targets.rows));
    const stats = await db.query<{ n: number }>(
      `SELECT coalesce(array_length(most_common_vals::text::text[], 1), 0) AS n FROM pg_stats
        WHERE tablename = 'audit_event' AND attname = 'patient_id'`,
    );
    assert.ok(Number(stats.rows[0]?.n) >= 1 && Number(stats.rows[0]?.n) <= 10, 'the busy patient is known');
    // the shape of listAccessesToPatient's statement (read.ts)
    const plan = await db.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN SELECT seq, recorded, content FROM audit_event WHERE patient_id = $1::text
        ORDER BY recorded DESC, seq DESC LIMIT 21`,
      ['p-rare-6'],
    );
    const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
    assert.match(text, /Index Scan Backward using audit_event_patient/, text);
    const page = await listAccessesToPatient(db, 'Patient/p-rare-6', { count: 20 });
    assert.equal(page.events.length, 10);
  });

  it('searches the trail by agent, date range and action', async () => {
    const hits = await searchAuditEvents(db, {
      patient: 'p-list',
      agent: 'Practitioner/dr-alami',
      since: '2026-02-01T08:10:00Z',
      before: '2026-02-01T08:20:00Z',
      action: 'R',
      count: 100,
    });
    // odd i between 10 and 19 were read by the doctor
    assert.deepEqual(
      hits.events.map((e) => e.entity?.find((x) => x.role?.code === '4')?.what?.reference),
      ['obs-19', 'obs-17', 'obs-15', 'obs-13', 'obs-11'].map((id) => `Observation/${id}`),
    );
    assert.equal((await searchAuditEvents(db, { patient: 'p-list', action: 'D' })).events.length, 0);
  });

  it('serves the trail at GET /fhir/R4/AuditEvent ahead of the FHIR wildcard, read-only, and audits that read', async () => {
    const app = server;
    const as = (user: string) => ({ 'x-test-user': user });
    const res = await app.inject({
      url: '/fhir/R4/AuditEvent?patient=Patient/p-list&_count=10',
      headers: as('doctor'),
    });
    assert.equal(res.statusCode, 200);
    const bundle = res.json();
    assert.equal(bundle.type, 'searchset');
    assert.equal(bundle.entry.length, 10);
    assert.equal(bundle.entry[0].resource.resourceType, 'AuditEvent');
    const next = bundle.link.find((l: { relation: string }) => l.relation === 'next').url;
    const page2 = await app.inject({
      url: new URL(next).pathname + new URL(next).search,
      headers: as('doctor'),
    });
    assert.equal(page2.json().entry.length, 10);
    assert.notEqual(page2.json().entry[0].resource.id, bundle.entry[0].resource.id);

    const id = bundle.entry[0].resource.id;
    assert.equal(
      (await app.inject({ url: `/fhir/R4/AuditEvent/${id}`, headers: as('doctor') })).json().id,
      id,
    );
    assert.equal((await app.inject({ url: `/fhir/R4/AuditEvent/${id}`, headers: as('p1') })).statusCode, 404);

    const forged = await app.inject({
      method: 'POST',
      url: '/fhir/R4/AuditEvent',
      headers: { ...as('admin'), 'content-type': 'application/fhir+json' },
      payload: JSON.stringify({ resourceType: 'AuditEvent' }),
    });
    assert.equal(forged.statusCode, 405);
    assert.equal((await app.inject({ method: 'DELETE', url: `/fhir/R4/AuditEvent/${id}` })).statusCode, 405);
    assert.equal((await app.inject({ url: '/fhir/R4/AuditEvent?patient=p-list' })).statusCode, 401);
    assert.equal((await app.inject({ url: '/fhir/R4/AuditEvent', headers: as('doctor') })).statusCode, 403);
    assert.equal((await app.inject({ url: '/fhir/R4/AuditEvent', headers: as('admin') })).statusCode, 200);
    assert.equal(
      (await app.inject({ url: '/fhir/R4/AuditEvent?foo=1', headers: as('admin') })).statusCode,
      400,
    );
    // the generic FHIR routes still answer everything else
    const patients = await app.inject({ url: '/fhir/R4/Patient' });
    assert.deepEqual(patients.json(), { servedBy: 'fhir-wildcard' });

    await audit.flush();
    const own = await searchAuditEvents(db, { agent: 'Practitioner/dr-alami', count: 20 });
    const queries = own.events.map((e) => ({
      outcome: e.outcome,
      query: Buffer.from(e.entity?.find((x) => x.role?.code === '24')?.query ?? '', 'base64').toString(
        'utf8',
      ),
    }));
    assert.ok(
      queries.some((q) => q.outcome === '0' && q.query === 'AuditEvent?patient=Patient/p-list&_count=10'),
    );
    // the refused attempt is on the trail too, as a minor failure
    assert.ok(queries.some((q) => q.outcome === '4' && q.query === 'AuditEvent'));
  });

  it("shows a patient who accessed their record at GET /api/me/access-log, and nobody else's", async () => {
    audit.record({
      principal: doctor,
      interaction: 'read',
      resourceType: 'Condition',
      ids: ['c1'],
      patientIds: ['p1'],
      outcome: 200,
      purposeOfUse: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'ETREAT' },
      breakGlassReason: 'Unconscious in the emergency room',
    });
    await audit.flush();
    const res = await app().inject({ url: '/api/me/access-log?_count=5', headers: { 'x-test-user': 'p1' } });
    assert.equal(res.statusCode, 200);
    const [entry] = res.json().entries;
    assert.equal(entry.who.display, 'Dr Karima Alami');
    assert.deepEqual(entry.who.roles, ['doctor']);
    assert.deepEqual(entry.what, ['Condition/c1']);
    assert.equal(entry.breakGlass, true);
    assert.equal(entry.breakGlassReason, 'Unconscious in the emergency room');
    assert.equal(
      (await app().inject({ url: '/api/me/access-log', headers: { 'x-test-user': 'doctor' } })).statusCode,
      403,
    );
    // the patient's own visits, which can fill whole pages, are left out with others=1
    for (let i = 0; i < 3; i++)
      audit.record({
        principal: patientP1,
        interaction: 'read',
        resourceType: 'Observation',
        ids: [`o${i}`],
        patientIds: ['p1'],
        outcome: 200,
      });
    await audit.flush();
    const read = async (query: string) =>
      (await app().inject({ url: `/api/me/access-log?${query}`, headers: { 'x-test-user': 'p1' } })).json()
        .entries as { who: { self: boolean; display: string } }[];
    const everyone = await read('_count=5');
    assert.ok(everyone.filter((e) => e.who.self).length >= 3, 'the own visits are in the full log');
    const others = await read('_count=5&others=1');
    assert.ok(others.length > 0);
    assert.deepEqual(
      others.filter((e) => e.who.self),
      [],
      'others=1 leaves out the patient’s own visits',
    );
    assert.equal(others[0].who.display, 'Dr Karima Alami');
    await audit.flush();
    assert.equal((await verifyAuditChain(db)).ok, true);
  });
});

const app = () => server;
