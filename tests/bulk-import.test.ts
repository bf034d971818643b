/**
 * `$import` through HTTP: an ndjson file of client-identified resources is staged, written by a
 * job in batches through the engine's own write path (searchable, versioned, audited per patient and per job), polled
 * on a status URL that only its submitter can read; bad lines are reported by number and write
 * nothing; too large a body is a 413; DELETE cancels; patients, clinicians, administrators,
 * narrow system clients and anonymous callers write nothing.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createClient } from '../packages/server/src/auth/index.ts';
import { readBulkImportSettings } from '../packages/server/src/modules/bulk-import/index.ts';
import { RUN_JOB, runImportJob } from '../packages/server/src/modules/bulk-import/run.ts';
import { signIn } from './support/people.ts';
import { clientToken, fhirFetch, startTestServer, type TestServer } from './support/server.ts';

const MAX_BYTES = 300_000;
process.env.SAHTI_IMPORT_MAX_BYTES = String(MAX_BYTES);
process.env.SAHTI_IMPORT_BATCH_LINES = '50';
// the worker-thread path (off by default) is the one with more to go wrong: the tests take it
process.env.SAHTI_IMPORT_WORKERS = '1';

let server: TestServer;
const heard = new Set<string>();

const patient = (id: string, family: string) => ({
  resourceType: 'Patient',
  id,
  name: [{ family, given: ['Amina'] }],
  gender: 'female',
  birthDate: '1980-04-02',
});
const observation = (id: string, patientId: string, value: number) => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '29463-7', display: 'Body weight' }] },
  subject: { reference: `Patient/${patientId}` },
  effectiveDateTime: '2026-03-01T10:00:00Z',
  valueQuantity: { value, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
});
const ndjson = (lines: unknown[]) =>
  `${lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n')}\n`;

async function submit(
  body: string,
  token: string | null = server.token,
  headers: Record<string, string> = {},
): Promise<{ status: number; location: string | null; body: any }> {
  const res = await fetch(`${server.fhirBase}/$import`, {
    method: 'POST',
    headers: {
      'content-type': 'application/fhir+ndjson',
      prefer: 'respond-async',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body,
  });
  const text = await res.text();
  return {
    status: res.status,
    location: res.headers.get('content-location'),
    body: text ? JSON.parse(text) : undefined,
  };
}

async function poll(location: string, token = server.token): Promise<any> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const res = await fetch(location, { headers: { authorization: `Bearer ${token}` } });
    if (res.status === 200) return res.json();
    if (res.status !== 202) assert.fail(`status URL answered ${res.status}: ${await res.text()}`);
    assert.match(res.headers.get('x-progress') ?? '', /lines|queued|receiving/);
    await res.arrayBuffer();
    if (Date.now() > deadline) throw new Error('the import did not finish in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const countOf = (manifest: any, type: string) =>
  manifest.output.find((o: { type: string }) => o.type === type)?.count ?? 0;

async function systemToken(clientId: string, scopes: string): Promise<string> {
  const secret = `${clientId}-secret-0123456789`;
  await createClient(server.platform.db, {
    clientId,
    name: clientId,
    kind: 'system',
    secret,
    allowedScopes: [scopes],
  });
  return clientToken(server.url, clientId, secret, scopes);
}

describe('$import (FHIR Bulk Data ndjson)', () => {
  before(async () => {
    server = await startTestServer();
    server.platform.events.listen((e) => heard.add(`${e.resourceType}/${e.id}`));
  });
  after(async () => {
    await server?.close();
  });

  it('imports patients and observations: manifest counts, searchable, a second import makes new versions, audited per patient and once per job', async () => {
    const lines = [
      patient('imp-p1', 'Bennani'),
      patient('imp-p2', 'Tazi'),
      observation('imp-o1', 'imp-p1', 61),
      observation('imp-o2', 'imp-p1', 62),
      observation('imp-o3', 'imp-p2', 70),
    ];
    const accepted = await submit(ndjson(lines));
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    assert.match(accepted.location ?? '', /\/fhir\/R4\/\$import\/[0-9a-f-]{36}$/);
    const manifest = await poll(accepted.location as string);
    assert.equal(countOf(manifest, 'Patient'), 2);
    assert.equal(countOf(manifest, 'Observation'), 3);
    assert.deepEqual(manifest.error, []);
    assert.equal(manifest.requiresAccessToken, true);

    const found = await fhirFetch(
      server.fhirBase,
      '/Observation?subject=Patient/imp-p1&code=http://loinc.org|29463-7',
    );
    assert.equal(found.body.entry.length, 2);
    const byName = await fhirFetch(server.fhirBase, '/Patient?family=Bennani');
    assert.deepEqual(
      byName.body.entry.map((e: any) => e.resource.id),
      ['imp-p1'],
    );
    const heavy = await fhirFetch(server.fhirBase, '/Observation?value-quantity=gt65');
    assert.deepEqual(
      heavy.body.entry.map((e: any) => e.resource.id),
      ['imp-o3'],
    );
    // the patient compartment (indexes and access) knows the imported observations
    const everything = await fhirFetch(server.fhirBase, '/Patient/imp-p1/$everything');
    assert.equal(everything.body.entry.length, 3);

    // the same file again, the patient renamed: each line a new version, the content as sent
    lines[0] = patient('imp-p1', 'Bennani-Alaoui');
    const again = await submit(ndjson(lines));
    const second = await poll(again.location as string);
    assert.equal(countOf(second, 'Patient'), 2);
    const history = await fhirFetch(server.fhirBase, '/Patient/imp-p1/_history');
    assert.equal(history.body.entry.length, 2);
    const current = await fhirFetch(server.fhirBase, '/Patient/imp-p1');
    assert.equal(current.body.meta.versionId, '2');
    assert.equal(current.body.name[0].family, 'Bennani-Alaoui');
    assert.equal((await fhirFetch(server.fhirBase, '/Patient?family=Bennani-Alaoui')).body.entry.length, 1);
    const observationHistory = await fhirFetch(server.fhirBase, '/Observation/imp-o1/_history');
    assert.equal(observationHistory.body.entry.length, 2);

    // the events of any write: one per version, with the patients of the compartment, seen by listeners
    const events = await server.platform.db.query<{ action: string; version_id: string; patients: string[] }>(
      `SELECT action, version_id, patients FROM resource_event WHERE resource_type = 'Observation' AND id = 'imp-o1' ORDER BY seq`,
    );
    assert.deepEqual(
      events.rows.map((e) => [e.action, Number(e.version_id), e.patients]),
      [
        ['create', 1, ['imp-p1']],
        ['update', 2, ['imp-p1']],
      ],
    );
    for (let i = 0; i < 50 && !heard.has('Observation/imp-o1'); i++)
      await new Promise((r) => setTimeout(r, 100));
    assert.ok(heard.has('Observation/imp-o1'), 'an in-process listener heard of the imported observation');

    // one summary AuditEvent per job: the client and the counts, never a name from the file
    await server.platform.audit.flush();
    const jobId = (again.location as string).split('/').pop();
    const audited = await server.platform.db.query<{ content: any }>(
      `SELECT content FROM audit_trail WHERE content->>'outcomeDesc' LIKE $1::text`,
      [`%${jobId}%`],
    );
    assert.equal(audited.rows.length, 1);
    // and each patient's access log shows what each import wrote to their record, as for any write
    const written = await server.platform.db.query<{ patient_id: string; content: any }>(
      `SELECT patient_id, content FROM audit_trail
        WHERE patient_id IN ('imp-p1', 'imp-p2') AND content->>'outcomeDesc' = 'written by a bulk import'
        ORDER BY seq`,
    );
    assert.equal(written.rows.length, 4, 'two imports × two patients');
    const p1 = written.rows.filter((r) => r.patient_id === 'imp-p1').map((r) => JSON.stringify(r.content));
    assert.equal(p1.length, 2);
    for (const content of p1) {
      for (const ref of ['Patient/imp-p1', 'Observation/imp-o1', 'Observation/imp-o2'])
        assert.ok(content.includes(ref), `${ref} in imp-p1's event`);
      assert.ok(!content.includes('imp-o3') && !content.includes('Patient/imp-p2'), 'never another patient');
      assert.match(content, /test-system/);
    }
    const event = audited.rows[0].content;
    assert.match(
      event.outcomeDesc,
      /completed: .*5 resources written \(Observation 3, Patient 2\), 0 lines refused/,
    );
    assert.equal(event.outcome, '0');
    assert.doesNotMatch(JSON.stringify(event), /Bennani|imp-p1/);
    assert.match(JSON.stringify(event.agent), /test-system/);
  });

  it('reports bad lines by number in the error file and writes nothing of them', async () => {
    const body = ndjson([
      patient('bad-ok1', 'Idrissi'),
      '{"resourceType": "Patient", "id": "bad-broken", ',
      { resourceType: 'Nonsense', id: 'bad-unknown' },
      { resourceType: 'Patient', name: [{ family: 'Sansid' }] },
      { resourceType: 'Patient', id: 'bad-invalid', gender: 'sometimes' },
      '',
      {
        resourceType: 'AuditEvent',
        id: 'bad-audit',
        type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest' },
        recorded: '2026-01-01T00:00:00Z',
        agent: [{ requestor: false }],
        source: { observer: { display: 'elsewhere' } },
      },
      patient('bad-ok2', 'Fassi'),
    ]);
    const accepted = await submit(body);
    assert.equal(accepted.status, 202);
    const manifest = await poll(accepted.location as string);
    assert.equal(countOf(manifest, 'Patient'), 2);
    assert.equal(manifest.error.length, 1);
    assert.equal(manifest.error[0].count, 5);
    const errors = await fetch(manifest.error[0].url, {
      headers: { authorization: `Bearer ${server.token}` },
    });
    assert.equal(errors.status, 200);
    assert.match(errors.headers.get('content-type') ?? '', /ndjson/);
    const outcomes = (await errors.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      outcomes.map((o) => o.issue[0].location[0]),
      ['line 2', 'line 3', 'line 4', 'line 5', 'line 7'],
    );
    for (const o of outcomes) assert.equal(o.resourceType, 'OperationOutcome');
    assert.match(outcomes[0].issue[0].diagnostics, /^Line 2: The line is not JSON/);
    assert.match(outcomes[1].issue[0].diagnostics, /^Line 3: .*Nonsense/);
    assert.match(outcomes[2].issue[0].diagnostics, /^Line 4: Patient has no id/);
    assert.match(outcomes[3].issue[0].diagnostics, /^Line 5: /);
    assert.match(outcomes[4].issue[0].diagnostics, /^Line 7: AuditEvent is written by the server only/);
    for (const id of ['bad-broken', 'bad-invalid'])
      assert.equal((await fhirFetch(server.fhirBase, `/Patient/${id}`)).status, 404);
    assert.equal((await fhirFetch(server.fhirBase, '/Patient?family=Sansid')).body.entry?.length ?? 0, 0);
    assert.equal((await fhirFetch(server.fhirBase, '/Patient/bad-ok2')).status, 200);
  });

  it('a unique identifier taken by another patient refuses that line only (the batch is retried line by line)', async () => {
    const cnie = (id: string, value: string) => ({
      ...patient(id, 'Cnie'),
      identifier: [{ system: 'https://sahti.ma/fhir/NamingSystem/cnie', value }],
    });
    const first = await poll((await submit(ndjson([cnie('uniq-a', 'AB123456')]))).location as string);
    assert.equal(countOf(first, 'Patient'), 1);
    const accepted = await submit(
      ndjson([patient('uniq-b', 'Alami'), cnie('uniq-c', 'AB123456'), patient('uniq-d', 'Alami')]),
    );
    const manifest = await poll(accepted.location as string);
    assert.equal(countOf(manifest, 'Patient'), 2);
    assert.equal(manifest.error[0]?.count, 1);
    const errors = await (
      await fetch(manifest.error[0].url, { headers: { authorization: `Bearer ${server.token}` } })
    ).text();
    assert.match(errors, /Line 2: Another Patient already has the identifier/);
    assert.equal((await fhirFetch(server.fhirBase, '/Patient/uniq-c')).status, 404);
    assert.equal((await fhirFetch(server.fhirBase, '/Patient/uniq-d')).status, 200);
  });

  it('a resource named twice in one file gets two versions, in file order', async () => {
    const accepted = await submit(
      ndjson([patient('twice-1', 'Premier'), patient('twice-2', 'Autre'), patient('twice-1', 'Second')]),
    );
    const manifest = await poll(accepted.location as string);
    assert.equal(countOf(manifest, 'Patient'), 3);
    const current = await fhirFetch(server.fhirBase, '/Patient/twice-1');
    assert.equal(current.body.meta.versionId, '2');
    assert.equal(current.body.name[0].family, 'Second');
    const first = await fhirFetch(server.fhirBase, '/Patient/twice-1/_history/1');
    assert.equal(first.body.name[0].family, 'Premier');
    assert.equal(first.body.meta.versionId, '1');
    assert.equal((await fhirFetch(server.fhirBase, '/Patient?family=Premier')).body.entry?.length ?? 0, 0);
  });

  it('a streamed (chunked) body that grows past the limit is refused with 413 and leaves nothing', async () => {
    const before = (
      await server.platform.db.query<{ n: number }>('SELECT count(*)::int AS n FROM bulk_import')
    ).rows[0].n;
    const line = `${JSON.stringify(patient('stream-x', 'Flux'))}\n`;
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > MAX_BYTES * 2) return controller.close();
        const chunk = new TextEncoder().encode(line.repeat(100));
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const res = await fetch(`${server.fhirBase}/$import`, {
      method: 'POST',
      headers: {
        'content-type': 'application/fhir+ndjson',
        prefer: 'respond-async',
        authorization: `Bearer ${server.token}`,
      },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    assert.equal(res.status, 413);
    assert.match((await res.json()).issue[0].diagnostics, /larger than/);
    const afterCount = (
      await server.platform.db.query<{ n: number }>('SELECT count(*)::int AS n FROM bulk_import')
    ).rows[0].n;
    assert.equal(afterCount, before);
    const staged = await server.platform.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM bulk_import_line',
    );
    assert.equal(staged.rows[0].n, 0);
  });

  it('a job taken over after a crash resumes after its last committed batch, writing nothing twice', async () => {
    // a crash cannot be staged through HTTP: the job's row is put in the state a worker killed
    // after committing two lines leaves (running, next_line 3), then the job runs again as the
    // runner would run it after the heartbeat went stale
    const { db } = server.platform;
    const model = await submit(ndjson([patient('resume-model', 'Modele')]));
    await poll(model.location as string);
    const owner = (
      await db.query<{ owner: string; principal: unknown }>(
        'SELECT owner, principal FROM bulk_import WHERE id = $1::uuid',
        [(model.location as string).split('/').pop()],
      )
    ).rows[0];
    const id = randomUUID();
    await db.query(
      `INSERT INTO bulk_import (id, owner, principal, status, lines, bytes, next_line, counts)
       VALUES ($1::uuid, $2::text, $3::jsonb, 'running', 4, 400, 3, '{"Patient": 2}'::jsonb)`,
      [id, owner.owner, JSON.stringify(owner.principal)],
    );
    await db.query(
      `INSERT INTO bulk_import_line (import_id, line, text) SELECT $1::uuid, l, t FROM unnest($2::integer[], $3::text[]) AS x(l, t)`,
      [id, [1, 2, 3, 4], [1, 2, 3, 4].map((i) => JSON.stringify(patient(`resume-${i}`, 'Reprise')))],
    );
    const run = runImportJob(server.platform.modules.context, readBulkImportSettings());
    await run(
      { importId: id },
      { id, name: RUN_JOB, attempt: 2, maxAttempts: 5, signal: new AbortController().signal },
    );
    for (const i of [1, 2])
      assert.equal((await fhirFetch(server.fhirBase, `/Patient/resume-${i}`)).status, 404);
    for (const i of [3, 4]) {
      const res = await fhirFetch(server.fhirBase, `/Patient/resume-${i}`);
      assert.equal(res.status, 200);
      assert.equal(res.body.meta.versionId, '1');
    }
    const manifest = await poll(`${server.fhirBase}/$import/${id}`);
    assert.equal(countOf(manifest, 'Patient'), 4);
    // run again (at-least-once delivery): a finished job does nothing
    await run(
      { importId: id },
      { id, name: RUN_JOB, attempt: 3, maxAttempts: 5, signal: new AbortController().signal },
    );
    assert.equal((await fhirFetch(server.fhirBase, '/Patient/resume-3')).body.meta.versionId, '1');
  });

  it('refuses a body over SAHTI_IMPORT_MAX_BYTES with 413 and stages nothing', async () => {
    const before = (
      await server.platform.db.query<{ n: number }>('SELECT count(*)::int AS n FROM bulk_import')
    ).rows[0].n;
    const lines = Array.from({ length: 3000 }, (_, i) => patient(`big-${i}`, 'Grand'));
    const body = ndjson(lines);
    assert.ok(body.length > MAX_BYTES);
    const res = await submit(body);
    assert.equal(res.status, 413);
    assert.equal(res.body.resourceType, 'OperationOutcome');
    assert.match(res.body.issue[0].diagnostics, /SAHTI_IMPORT_MAX_BYTES/);
    const afterCount = (
      await server.platform.db.query<{ n: number }>('SELECT count(*)::int AS n FROM bulk_import')
    ).rows[0].n;
    assert.equal(afterCount, before);
    assert.equal((await fhirFetch(server.fhirBase, '/Patient/big-0')).status, 404);
  });

  it('needs Prefer: respond-async and an ndjson body', async () => {
    const noPrefer = await fetch(`${server.fhirBase}/$import`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+ndjson', authorization: `Bearer ${server.token}` },
      body: ndjson([patient('pref-1', 'X')]),
    });
    assert.equal(noPrefer.status, 400);
    const json = await submit(JSON.stringify(patient('pref-2', 'X')), server.token, {
      'content-type': 'application/fhir+json',
    });
    assert.equal(json.status, 415);
    assert.equal((await fhirFetch(server.fhirBase, '/Patient/pref-1')).status, 404);
  });

  it('DELETE on the status URL cancels a running import: it stops, and the status URL then answers 404', async () => {
    const lines = Array.from({ length: 1500 }, (_, i) => ({ resourceType: 'Patient', id: `cancel-${i}` }));
    const accepted = await submit(ndjson(lines));
    assert.equal(accepted.status, 202);
    const cancelled = await fetch(accepted.location as string, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${server.token}` },
    });
    assert.equal(cancelled.status, 202);
    assert.match((await cancelled.json()).issue[0].diagnostics, /cancelled/);
    const gone = await fetch(accepted.location as string, {
      headers: { authorization: `Bearer ${server.token}` },
    });
    assert.equal(gone.status, 404);
    const count = async () =>
      (
        await server.platform.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM resource WHERE resource_type = 'Patient' AND id LIKE 'cancel-%'`,
        )
      ).rows[0].n;
    await new Promise((r) => setTimeout(r, 1500));
    const settled = await count();
    assert.ok(settled < lines.length, `cancelled import still wrote ${settled} of ${lines.length}`);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(await count(), settled, 'nothing is written after the cancellation');
    const staged = await server.platform.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM bulk_import_line WHERE import_id = $1::uuid',
      [(accepted.location as string).split('/').pop()],
    );
    assert.equal(staged.rows[0].n, 0);
  });

  it('patients, clinicians, administrators, narrow system clients and anonymous callers import nothing', async () => {
    const body = ndjson([patient('forbidden-1', 'Interdit')]);
    const before = (
      await server.platform.db.query<{ n: number }>('SELECT count(*)::int AS n FROM bulk_import')
    ).rows[0].n;
    assert.equal((await submit(body, null)).status, 401);
    const narrow = await systemToken('import-narrow', 'system/Patient.write');
    assert.equal((await submit(body, narrow)).status, 403);
    const reader = await systemToken('import-reader', 'system/*.read');
    assert.equal((await submit(body, reader)).status, 403);
    for (const roles of [['patient'], ['doctor'], ['administrator']] as const) {
      const person = await signIn(
        server,
        [...roles],
        roles[0] === 'patient' ? 'Patient/forbidden-1' : undefined,
      );
      const res = await person.call('/fhir/R4/$import', { method: 'POST', body: {} });
      // a session caller with a JSON body: refused before the body is even looked at
      assert.equal(res.status, 403, `${roles[0]}: ${JSON.stringify(res.body)}`);
      const raw = await fetch(`${server.fhirBase}/$import`, {
        method: 'POST',
        headers: {
          cookie: person.cookie,
          'content-type': 'application/fhir+ndjson',
          prefer: 'respond-async',
        },
        body,
      });
      assert.ok([403].includes(raw.status), `${roles[0]} ndjson: ${raw.status}`);
    }
    assert.equal((await fhirFetch(server.fhirBase, '/Patient/forbidden-1')).status, 404);
    const afterCount = (
      await server.platform.db.query<{ n: number }>('SELECT count(*)::int AS n FROM bulk_import')
    ).rows[0].n;
    assert.equal(afterCount, before);
  });

  it("another client's status URL, error file and DELETE answer 404", async () => {
    const accepted = await submit(ndjson([patient('owned-1', 'Owned'), '{broken']));
    await poll(accepted.location as string);
    const other = await systemToken('import-other', 'system/*.*');
    const auth = { authorization: `Bearer ${other}` };
    assert.equal((await fetch(accepted.location as string, { headers: auth })).status, 404);
    assert.equal((await fetch(`${accepted.location}/errors.ndjson`, { headers: auth })).status, 404);
    assert.equal((await fetch(accepted.location as string, { method: 'DELETE', headers: auth })).status, 404);
    assert.equal((await fetch(accepted.location as string)).status, 401);
    // still there for its owner
    const mine = await fetch(accepted.location as string, {
      headers: { authorization: `Bearer ${server.token}` },
    });
    assert.equal(mine.status, 200);
    // a status URL that is no job id at all (even one shaped almost like one) is a 404, never a 500
    const base = (accepted.location as string).replace(/[^/]+$/, '');
    for (const bogus of ['-'.repeat(36), 'nope', `${'0'.repeat(35)}g`])
      assert.equal(
        (await fetch(`${base}${bogus}`, { headers: { authorization: `Bearer ${server.token}` } })).status,
        404,
        bogus,
      );
  });
});
