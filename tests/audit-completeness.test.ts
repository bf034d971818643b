/**
 * The audit misses nothing: every path leaves its AuditEvents, naming the patients whose data it
 * touched (from the engine's report, so `_elements` trimming hides nothing from the trail), with
 * failures recorded as failures — refusals, bad requests and requests that throw alike — and each
 * batch or transaction entry recorded on its own.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AuditEvent } from '@medplum/fhirtypes';
import { seedCareWorld } from './support/care-world.ts';
import { type Person, signIn } from './support/people.ts';
import { fhirFetch, startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let patient1: Person;
let drA: Person;

before(async () => {
  server = await startTestServer();
  await seedCareWorld(server);
  // an operation that fails with an exception (a bug), to see the failure still audited
  server.platform.handler.registerOperation({
    name: 'explode',
    levels: ['instance'],
    resourceTypes: ['Patient'],
    methods: ['GET'],
    effect: 'read',
    run: async () => {
      throw new Error('simulated defect');
    },
  });
  patient1 = await signIn(server, ['patient'], 'Patient/p1');
  drA = await signIn(server, ['doctor'], 'Practitioner/pr-a');
});
after(() => server?.close());

interface Seen {
  /** The patient whose trail the row is in (audit_trail.patient_id). */
  trailOf: string | null;
  outcome: string;
  patients: string[];
  what: string[];
  subtype: string;
}

/** The AuditEvents written while `act` ran. */
async function audited(act: () => Promise<unknown>): Promise<Seen[]> {
  await server.platform.audit.flush();
  const before = Number(
    (
      await server.platform.db.query<{ n: string }>(
        'SELECT coalesce(max(seq), 0)::text AS n FROM audit_event',
      )
    ).rows[0].n,
  );
  await act();
  await server.platform.audit.flush();
  const rows = await server.platform.db.query<{ content: AuditEvent | string; patient_id: string | null }>(
    'SELECT content, patient_id FROM audit_trail WHERE seq > $1::bigint ORDER BY seq, k',
    [before],
  );
  return rows.rows.map((r) => {
    const e = typeof r.content === 'string' ? (JSON.parse(r.content) as AuditEvent) : r.content;
    const refs = (e.entity ?? []).map((x) => x.what?.reference).filter((x): x is string => !!x);
    return {
      trailOf: r.patient_id,
      outcome: e.outcome ?? '',
      patients: (e.entity ?? [])
        .filter((x) => x.role?.code === '1' && x.what?.reference)
        .map((x) => x.what?.reference as string),
      what: refs,
      subtype: e.subtype?.[0]?.code ?? '',
    };
  });
}

describe('audit completeness', () => {
  it('a read trimmed by _elements still names its patient', async () => {
    const events = await audited(() => patient1.fhir('/Observation/o1?_elements=status'));
    assert.equal(events.length, 1);
    assert.deepEqual(events[0].patients, ['Patient/p1']);
    assert.equal(events[0].outcome, '0');
  });

  it('a search trimmed by _elements, or by _summary, still names every patient it returned', async () => {
    for (const query of ['_elements=status', '_summary=true']) {
      const events = await audited(() => drA.fhir(`/Observation?${query}`));
      assert.deepEqual(
        events.map((e) => e.patients),
        [['Patient/p1']],
        query,
      );
    }
  });

  it('vread, history, $everything and conditional delete name the patient', async () => {
    const paths: [string, string][] = [
      ['/Observation/o1/_history/1', 'vread'],
      ['/Observation/o1/_history', 'history-instance'],
      ['/Patient/p1/$everything', 'operation'],
    ];
    for (const [path, subtype] of paths) {
      const events = await audited(() => drA.fhir(path));
      assert.equal(events.length, 1, path);
      assert.deepEqual(events[0].patients, ['Patient/p1'], path);
      assert.equal(events[0].subtype, subtype, path);
    }
    const created = await drA.fhir('/Observation', {
      method: 'POST',
      body: {
        resourceType: 'Observation',
        status: 'final',
        code: { text: 'to delete' },
        identifier: [{ system: 'urn:test', value: 'audit-del' }],
        subject: { reference: 'Patient/p1' },
      },
    });
    assert.equal(created.status, 201);
    const deleted = await audited(() =>
      drA.fhir('/Observation?identifier=urn:test|audit-del', { method: 'DELETE' }),
    );
    assert.deepEqual(
      deleted.map((e) => [e.subtype, e.patients]),
      [['delete', ['Patient/p1']]],
    );
  });

  it('refusals, bad requests and defects are recorded as failures', async () => {
    const hidden = await audited(() => drA.fhir('/Observation/o2'));
    assert.deepEqual(
      hidden.map((e) => [e.outcome, e.patients]),
      [['4', ['Patient/p2']]],
      'an attempt on a hidden record is in its patient’s trail',
    );
    const bad = await audited(() => drA.fhir('/Observation?date=yesterday'));
    assert.deepEqual(
      bad.map((e) => e.outcome),
      ['4'],
    );
    const scope = await audited(() =>
      patient1.fhir('/Organization', { method: 'POST', body: { resourceType: 'Organization', name: 'x' } }),
    );
    assert.deepEqual(
      scope.map((e) => e.outcome),
      ['4'],
    );
    const defect = await audited(async () => {
      const res = await drA.fhir('/Patient/p1/$explode');
      assert.equal(res.status, 500);
      assert.doesNotMatch(JSON.stringify(res.body), /simulated defect/, 'the defect is logged, not shown');
    });
    assert.deepEqual(
      defect.map((e) => [e.outcome, e.patients]),
      [['8', ['Patient/p1']]],
    );
  });

  it('records each batch and transaction entry on its own, with its own outcome', async () => {
    const weight = {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'weight' },
      subject: { reference: 'Patient/p1' },
    };
    const batch = await audited(() =>
      drA.fhir('/', {
        method: 'POST',
        body: {
          resourceType: 'Bundle',
          type: 'batch',
          entry: [
            { request: { method: 'GET', url: 'Observation/o1' } },
            { request: { method: 'GET', url: 'Observation/o2' } },
            { request: { method: 'POST', url: 'Observation' }, resource: weight },
          ],
        },
      }),
    );
    assert.deepEqual(
      batch.map((e) => [e.subtype, e.outcome, e.patients]),
      [
        ['operation', '0', []],
        ['read', '0', ['Patient/p1']],
        ['read', '4', ['Patient/p2']],
        ['create', '0', ['Patient/p1']],
      ],
    );
    assert.ok(!batch.some((e) => e.what.includes('Bundle/undefined')));
    const transaction = await audited(() =>
      drA.fhir('/', {
        method: 'POST',
        body: {
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [
            { request: { method: 'POST', url: 'Observation' }, resource: weight },
            { request: { method: 'GET', url: 'Patient/p1' } },
          ],
        },
      }),
    );
    assert.deepEqual(
      transaction.map((e) => [e.subtype, e.patients]),
      [
        ['operation', []],
        ['create', ['Patient/p1']],
        ['read', ['Patient/p1']],
      ],
    );
    // a conditional create that finds its resource answers with it, and that is in the trail too
    const known = { ...weight, identifier: [{ system: 'urn:test', value: 'audit-conditional' }] };
    const first = await drA.fhir('/Observation', { method: 'POST', body: known });
    assert.equal(first.status, 201);
    let answer: any;
    const conditional = await audited(async () => {
      answer = await drA.fhir('/', {
        method: 'POST',
        body: {
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [
            {
              request: {
                method: 'POST',
                url: 'Observation',
                ifNoneExist: 'identifier=urn:test|audit-conditional',
              },
              resource: known,
            },
          ],
        },
      });
    });
    assert.equal(answer.status, 200);
    assert.match(answer.body.entry[0].response.status, /^200/);
    assert.equal(answer.body.entry[0].resource.id, (first.body as { id: string }).id);
    assert.deepEqual(
      conditional.map((e) => [e.subtype, e.outcome, e.patients]),
      [
        ['operation', '0', []],
        ['create', '0', ['Patient/p1']],
      ],
    );
    // a condition naming a record the doctor may not read finds nothing: the entry creates
    // anew and reveals nothing of the other patient's observation
    const probe = await drA.fhir('/', {
      method: 'POST',
      body: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [{ request: { method: 'POST', url: 'Observation', ifNoneExist: '_id=o2' }, resource: weight }],
      },
    });
    assert.equal(probe.status, 200);
    const entry = (probe.body as any).entry[0];
    assert.match(entry.response.status, /^201/);
    assert.notEqual(entry.resource.id, 'o2');
    assert.doesNotMatch(JSON.stringify(probe.body), /Patient\/p2/);
  });

  it('a resource moved from one patient to another is in both patients’ trails', async () => {
    const moved = await audited(() =>
      fhirFetch(server.fhirBase, '/Observation/o1', {
        method: 'PUT',
        body: {
          resourceType: 'Observation',
          id: 'o1',
          status: 'final',
          code: { coding: [{ system: 'http://loinc.org', code: '2339-0' }] },
          subject: { reference: 'Patient/p2' },
        },
      }),
    );
    // one access to both, read once in each patient's trail (an access to several is stored once)
    assert.deepEqual(moved.map((e) => e.trailOf).sort(), ['p1', 'p2']);
    assert.deepEqual([...moved[0].patients].sort(), ['Patient/p1', 'Patient/p2']);
  });
});
