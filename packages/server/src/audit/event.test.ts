import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateResource } from '@medplum/core';
import type { AuditEvent } from '@medplum/fhirtypes';
import { loadDefinitions } from '@sahti/fhir';
import type { Principal } from '../kernel/principal.ts';
import { accessLogEntry } from './access-log.ts';
import { canonicalJson } from './chain.ts';
import { INTERACTIONS, PURPOSE, SYSTEMS } from './codes.ts';
import { auditColumns, buildAuditEvent, buildAuditEvents, eventOfPatient, perPatient } from './event.ts';
import { doctor, lab, patient } from './test-fixture.ts';

loadDefinitions();

const valid = (event: AuditEvent): void => {
  const issues = validateResource(event).filter((i) => i.severity === 'error' || i.severity === 'fatal');
  assert.deepEqual(issues, [], JSON.stringify(issues));
};
const entity = (e: AuditEvent, role: string) => e.entity?.filter((x) => x.role?.code === role) ?? [];

describe('buildAuditEvent (IHE BALP, FHIR R4)', () => {
  it('mends NUL and unpaired surrogates of client text, leaving the input and the shared codes as they were', () => {
    const codesBefore = JSON.stringify({ INTERACTIONS, PURPOSE, SYSTEMS });
    const input = {
      principal: { ...doctor, display: 'Dr \u0000Alami\ud800' },
      interaction: 'search' as const,
      resourceType: 'Observation',
      patientIds: [] as string[],
      query: 'Observation?code=\u0000x',
      outcome: 400,
      outcomeDesc: 'bad \udfff value',
      purposeOfUse: PURPOSE.treatment,
    };
    const copy = structuredClone(input);
    const event = buildAuditEvent(input);
    valid(event);
    const text = JSON.stringify(event);
    assert.ok(!text.includes('\\u0000') && text.isWellFormed() && !/\\ud[89a-f]/i.test(text), text);
    assert.equal(event.agent[0].who?.display, 'Dr \ufffdAlami\ufffd');
    assert.equal(event.outcomeDesc, 'bad \ufffd value');
    assert.deepEqual(input, copy);
    assert.equal(JSON.stringify({ INTERACTIONS, PURPOSE, SYSTEMS }), codesBefore);
    // an event with nothing to mend is the same document as before
    const plain = buildAuditEvent({
      ...copy,
      principal: doctor,
      query: 'Observation?code=x',
      outcomeDesc: 'bad',
    });
    assert.equal(plain.agent[0].who?.display, 'Dr Karima Alami');
    valid(plain);
  });

  it('shares the frozen codes as they are and still mends a purpose of use the caller made', () => {
    assert.ok(Object.isFrozen(PURPOSE.treatment) && Object.isFrozen(PURPOSE));
    assert.throws(() => {
      (PURPOSE.treatment as { display: string }).display = 'changed';
    }, TypeError);
    const read = {
      principal: doctor,
      interaction: 'read' as const,
      resourceType: 'Observation',
      ids: ['o1'],
      patientIds: ['p1'],
      outcome: 200,
    };
    const own = { system: SYSTEMS.actReason, code: 'TREAT', display: 'soin\u0000' };
    const event = buildAuditEvent({ ...read, purposeOfUse: own });
    assert.equal(event.purposeOfEvent?.[0].coding?.[0].display, 'soin\ufffd');
    assert.equal(own.display, 'soin\u0000', 'the caller’s coding is left as it was');
    const shared = buildAuditEvent({ ...read, purposeOfUse: PURPOSE.treatment });
    assert.equal(
      shared.purposeOfEvent?.[0].coding?.[0],
      PURPOSE.treatment,
      'the constant itself, not a copy',
    );
  });

  it('records a clinician reading an Observation as rest/read, action R, with user, client and server agents', () => {
    const event = buildAuditEvent({
      principal: doctor,
      interaction: 'read',
      resourceType: 'Observation',
      ids: ['obs-1'],
      patientIds: ['Patient/p1'],
      outcome: 200,
      purposeOfUse: PURPOSE.treatment,
      recorded: '2026-03-01T10:00:00Z',
    });
    valid(event);
    assert.equal(event.type.code, 'rest');
    assert.equal(event.type.system, SYSTEMS.auditEventType);
    assert.deepEqual(event.subtype, [{ system: SYSTEMS.restfulInteraction, code: 'read' }]);
    assert.equal(event.action, 'R');
    assert.equal(event.outcome, '0');
    assert.equal(event.recorded, '2026-03-01T10:00:00.000Z');
    const [user, client, server] = event.agent;
    assert.equal(user.requestor, true);
    assert.deepEqual(user.who, { reference: 'Practitioner/dr-alami', display: 'Dr Karima Alami' });
    assert.equal(user.role?.[0].coding?.[0].code, 'doctor');
    assert.deepEqual(user.network, { address: '196.200.1.9', type: '2' });
    assert.equal(user.purposeOfUse?.[0].coding?.[0].code, 'TREAT');
    assert.equal(client.type?.coding?.[0].code, '110153');
    assert.equal(client.who?.identifier?.value, 'web');
    assert.equal(client.requestor, false);
    assert.equal(server.type?.coding?.[0].code, '110152');
    assert.deepEqual(entity(event, '1')[0].what, { reference: 'Patient/p1' });
    assert.deepEqual(entity(event, '4')[0].what, { reference: 'Observation/obs-1' });
    assert.deepEqual(auditColumns(event), {
      patient_id: 'p1',
      patients: ['p1'],
      actor: 'Practitioner/dr-alami',
      action: 'R',
      outcome: '0',
    });
  });

  it('puts a search query in entity.query as base64 and records it as Execute', () => {
    const query = 'Observation?patient=p1&code=http://loinc.org|8480-6&date=ge2026-01-01';
    const event = buildAuditEvent({
      principal: doctor,
      interaction: 'search',
      resourceType: 'Observation',
      query,
      patientIds: ['p1'],
      outcome: 200,
    });
    valid(event);
    assert.equal(event.action, 'E');
    assert.equal(event.subtype?.[0].code, 'search-type');
    const [q] = entity(event, '24');
    assert.equal(Buffer.from(q.query!, 'base64').toString('utf8'), query);
    assert.equal(q.name, undefined); // R4 sev-1: name or query, not both
  });

  it('maps HTTP statuses to outcome codes 0, 4 and 8', () => {
    const outcomeOf = (status: number) =>
      buildAuditEvent({ principal: doctor, interaction: 'read', patientIds: [], outcome: status }).outcome;
    assert.deepEqual([200, 201, 304, 403, 404, 500, 503].map(outcomeOf), ['0', '0', '0', '4', '4', '8', '8']);
  });

  it('lets a system client be the requestor when no user is behind the request', () => {
    const event = buildAuditEvent({
      principal: lab,
      interaction: 'create',
      resourceType: 'Observation',
      ids: ['obs-9'],
      patientIds: ['p1'],
      outcome: 201,
      address: '10.0.0.8',
    });
    valid(event);
    assert.equal(event.action, 'C');
    assert.equal(event.agent.length, 2);
    assert.equal(event.agent[0].requestor, true);
    assert.equal(auditColumns(event).actor, 'client:lab-casa');
  });

  it('flags break-the-glass with ETREAT and keeps the stated reason on the patient entity', () => {
    const event = buildAuditEvent({
      principal: doctor,
      interaction: 'break-glass',
      patientIds: ['p1'],
      outcome: 200,
      breakGlassReason: 'Unconscious patient in the emergency room',
    });
    valid(event);
    assert.equal(event.type.code, '110113');
    assert.equal(event.subtype?.[0].code, '110127');
    assert.equal(event.purposeOfEvent?.[0].coding?.[0].code, 'ETREAT');
    const line = accessLogEntry({ ...event, id: '5' }, 'p1');
    assert.equal(line.breakGlass, true);
    assert.equal(line.breakGlassReason, 'Unconscious patient in the emergency room');
    assert.equal(line.who.display, 'Dr Karima Alami');
  });

  it('builds a valid R4 AuditEvent for every interaction and kind of principal', () => {
    for (const interaction of INTERACTIONS) {
      for (const principal of [doctor, lab, patient]) {
        const event = buildAuditEvent({
          principal,
          interaction,
          resourceType: 'Patient',
          ids: interaction === 'search' ? undefined : ['p1'],
          query: interaction === 'search' ? 'Patient?name=bennani' : undefined,
          patientIds: ['p1'],
          outcome: 200,
          outcomeDesc: 'ok',
        });
        valid(event);
      }
    }
  });

  it('is checked by a validator that does refuse a broken AuditEvent', () => {
    const event = buildAuditEvent({ principal: doctor, interaction: 'read', patientIds: [], outcome: 200 });
    const broken = { ...event, agent: event.agent.map(({ requestor: _, ...agent }) => agent) } as AuditEvent;
    assert.throws(() => valid(broken));
  });

  it('shows the patient their own accesses as "self"', () => {
    const event = buildAuditEvent({
      principal: patient,
      interaction: 'search',
      resourceType: 'Observation',
      query: 'Observation?patient=p1',
      patientIds: ['p1'],
      outcome: 200,
    });
    assert.deepEqual(
      event.agent[0].type?.coding?.map((c) => c.code),
      ['IRCP', 'PAT'],
    );
    const line = accessLogEntry({ ...event, id: '1' }, 'p1');
    assert.equal(line.who.self, true);
    assert.deepEqual(line.what, ['Observation']);
    assert.equal(line.interaction, 'search-type');
    assert.equal(line.client, 'sahti-mobile');
    assert.equal(line.breakGlass, false);
  });
});

describe('perPatient: one event per patient touched', () => {
  const search = {
    principal: doctor,
    interaction: 'search' as const,
    resourceType: 'Patient',
    query: 'Patient?_count=3',
    outcome: 200,
  };

  it("lists each Patient resource in its own patient's event only, never in another patient's", () => {
    const events = perPatient({
      ...search,
      ids: ['Patient/p1', 'Patient/p2', 'p3'],
      patientIds: ['p1', 'Patient/p2', 'p3'],
    });
    assert.deepEqual(
      events.map((e) => [e.patientIds, e.ids]),
      [
        [['p1'], ['Patient/p1']],
        [['p2'], ['Patient/p2']],
        [['p3'], ['p3']],
      ],
    );
    assert.ok(events.every((e) => e.query === search.query));
  });

  it('lists a resource whose patient the report does not give in every event, so none goes unrecorded', () => {
    const events = perPatient({
      ...search,
      resourceType: 'Observation',
      ids: ['Observation/o1', 'Patient/p1', 'Patient/p9'],
      patientIds: ['p1', 'p2'],
    });
    assert.deepEqual(
      events.map((e) => e.ids),
      [
        ['Patient/p1', 'Observation/o1', 'Patient/p9'],
        ['Observation/o1', 'Patient/p9'],
      ],
    );
  });

  it('keeps an access touching no patient, or one, as one event', () => {
    assert.equal(perPatient({ ...search, ids: ['Patient/p1'], patientIds: [] }).length, 1);
    assert.deepEqual(
      perPatient({ ...search, ids: ['Patient/p1'], patientIds: ['Patient/p1', 'p1'] })[0].patientIds,
      ['p1'],
    );
  });
});

describe('entities written ahead by template', () => {
  it('give the canonical text written member by member, for any reference, and mended ones too', () => {
    const odd = ['p-1', 'a"b\\c', 'é🩺بنعلي', 'x\u0000y', 'lone\ud800', 'sep\u001e\u001f', '</script>'];
    const events = buildAuditEvents({
      principal: doctor,
      interaction: 'search',
      resourceType: 'Observation',
      ids: odd.map((id) => `Observation/${id}`),
      patientIds: odd,
      query: 'Observation?subject=x',
      outcome: 200,
      recorded: '2026-03-01T10:00:00.000Z',
    });
    for (const event of events) {
      // a plain copy is registered nowhere: it is written member by member
      const plain = JSON.parse(JSON.stringify(event));
      assert.equal(canonicalJson(event), canonicalJson(plain));
      assert.equal(canonicalJson(event, new Map()), canonicalJson(plain, new Map()));
      assert.equal(canonicalJson(event), canonicalJson(JSON.parse(canonicalJson(event))));
    }
    const broke = buildAuditEvent({
      principal: doctor,
      interaction: 'break-glass',
      resourceType: 'Patient',
      ids: ['p1'],
      patientIds: ['p1'],
      outcome: 200,
      breakGlassReason: 'urgence "vitale"',
    });
    assert.equal(canonicalJson(broke), canonicalJson(JSON.parse(JSON.stringify(broke))));
  });
});

describe('buildAuditEvents: the events of an access on one shared context', () => {
  const page = {
    principal: doctor,
    interaction: 'search' as const,
    resourceType: 'Patient',
    query: 'Patient?general-practitioner=Practitioner/dr-alami',
    ids: ['Patient/p1', 'Patient/p2', 'Patient/p3'],
    patientIds: ['p1', 'p2', 'p3'],
    outcome: 200,
    purposeOfUse: PURPOSE.treatment,
    recorded: '2026-03-01T10:00:00.000Z',
  };

  it("is one event for the page, from which each patient's own event is the one built alone, less the others' entities", () => {
    const events = buildAuditEvents(page);
    assert.equal(events.length, 1);
    const [access] = events;
    valid(access);
    assert.deepEqual(
      access.entity?.map((e) => e.what?.reference ?? 'query'),
      ['Patient/p1', 'Patient/p2', 'Patient/p3', 'Patient/p1', 'Patient/p2', 'Patient/p3', 'query'],
    );
    // what the trail gives each patient (read.ts): the event BALP asks for, as if built alone
    assert.deepEqual(
      ['p1', 'p2', 'p3'].map((patient) => eventOfPatient(access, patient)),
      perPatient(page).map((one) => buildAuditEvent(one)),
    );
    assert.deepEqual(auditColumns(access).patients, ['p1', 'p2', 'p3']);
    assert.equal(auditColumns(access).patient_id, null);
    assert.ok(
      Object.isFrozen(access.agent) &&
        Object.isFrozen(access.agent[0].who) &&
        Object.isFrozen(access.subtype?.[0]),
    );
    assert.throws(() => {
      (access.agent[0] as { name?: string }).name = 'someone else';
    }, TypeError);
    // canonical JSON with a memo (the writer's, per batch) is the same text as without
    const memo = new Map<object, string>();
    assert.equal(canonicalJson(access, memo), canonicalJson(access));
  });

  it("records a patient acting for a child in the child's event only: such an access is stored one event per patient", () => {
    const parent: Principal = { ...patient, fhirUser: 'Patient/p1' };
    const events = buildAuditEvents({
      ...page,
      principal: parent,
      ids: ['Patient/p1', 'Patient/child'],
      patientIds: ['p1', 'child'],
    });
    const roles = events.map((e) => e.agent[0].role?.map((r) => r.coding?.[0].code));
    assert.deepEqual(roles, [['patient'], ['patient', 'acting-for']]);
    assert.deepEqual(
      events,
      perPatient({
        ...page,
        principal: parent,
        ids: ['Patient/p1', 'Patient/child'],
        patientIds: ['p1', 'child'],
      }).map((one) => buildAuditEvent(one)),
    );
  });

  it('shares a context over accesses only where everything but the entities and the instant is the same', () => {
    // a transaction's entries: creates and an update by one principal, one refused, one a second later
    const write = (interaction: 'create' | 'update', id: string, outcome: number) => ({
      principal: lab,
      interaction,
      resourceType: 'Observation',
      ids: [id],
      patientIds: [`p-${id}`],
      outcome,
      recorded: '2026-03-01T10:00:00.000Z',
    });
    const inputs = [
      write('create', 'o1', 201),
      write('create', 'o2', 201),
      write('update', 'o3', 200),
      write('create', 'o4', 201),
      write('create', 'o5', 400),
      { ...write('create', 'o6', 201), recorded: '2026-03-01T10:00:01.000Z' },
      { ...write('create', 'o7', 201), principal: { ...lab, id: 'lab-rabat', clientId: 'lab-rabat' } },
    ];
    const events = inputs.flatMap((input) => buildAuditEvents(input));
    assert.deepEqual(
      events,
      inputs.map((input) => buildAuditEvent(input)),
    );
    for (const e of events) valid(e);
    const [o1, o2, o3, o4, o5, o6, o7] = events;
    assert.equal(o1.agent, o2.agent);
    assert.equal(o1.agent, o4.agent);
    assert.equal(o1.agent, o6.agent);
    assert.notEqual(o1.recorded, o6.recorded);
    for (const other of [o3, o5, o7]) assert.notEqual(o1.agent, other.agent);
    assert.equal(o7.agent[0].who?.identifier?.value, 'lab-rabat');
    const memo = new Map<object, string>();
    assert.deepEqual(
      events.map((e) => canonicalJson(e, memo)),
      events.map((e) => canonicalJson(e)),
    );
  });

  it("shares one principal's context over their reads, each event with its own instant and entities", () => {
    const one = (id: string, recorded: string, address?: string) =>
      buildAuditEvents({ ...page, ids: [`Patient/${id}`], patientIds: [id], recorded, address })[0];
    const a = one('p1', '2026-03-01T10:00:00.000Z');
    const b = one('p2', '2026-03-01T10:05:00.000Z');
    assert.deepEqual(a, buildAuditEvent({ ...page, ids: ['Patient/p1'], patientIds: ['p1'] }));
    assert.equal(a.agent, b.agent);
    assert.equal(a.subtype, b.subtype);
    assert.deepEqual([a.recorded, b.recorded], ['2026-03-01T10:00:00.000Z', '2026-03-01T10:05:00.000Z']);
    assert.notDeepEqual(a.entity, b.entity);
    // the context is shared and frozen; each event is its own, its entities frozen with their text
    assert.ok(Object.isFrozen(a.agent) && !Object.isFrozen(a) && Object.isFrozen(a.entity));
    assert.equal(canonicalJson(a.entity), canonicalJson(structuredClone(a.entity)));
    // from another address, another context
    const c = one('p1', '2026-03-01T10:06:00.000Z', '41.248.1.1');
    assert.notEqual(a.agent, c.agent);
    assert.equal(c.agent[0].network?.address, '41.248.1.1');
  });
});
