import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuditEvent } from '@medplum/fhirtypes';
import { canonicalJson } from './chain.ts';
import { PURPOSE } from './codes.ts';
import { type AuditInput, buildAuditEvents } from './event.ts';
import { storedForm } from './stored-form.ts';
import { doctor, patient } from './test-fixture.ts';

const recorded = '2026-03-01T10:00:00.000Z';

/** Accesses of every shape the writer stores: read, page with its query, mended, break-glass, none. */
const ACCESSES: AuditInput[] = [
  {
    principal: doctor,
    interaction: 'read',
    resourceType: 'Observation',
    ids: ['o1'],
    patientIds: ['p1'],
    outcome: 200,
  },
  {
    principal: doctor,
    interaction: 'search',
    resourceType: 'Patient',
    query: 'Patient?_count=20&name=\u00e9l',
    ids: ['Patient/p1', 'Patient/p2', 'Patient/p3'],
    patientIds: ['p1', 'p2', 'p3'],
    outcome: 200,
    purposeOfUse: PURPOSE.treatment,
  },
  // a client's id holding what PostgreSQL cannot store: mended, so not written by template
  {
    principal: doctor,
    interaction: 'read',
    resourceType: 'Patient',
    ids: ['p\u0000x'],
    patientIds: ['p\ud800'],
    outcome: 404,
  },
  {
    principal: doctor,
    interaction: 'break-glass',
    resourceType: 'Patient',
    ids: ['p9'],
    patientIds: ['p9'],
    outcome: 200,
    breakGlassReason: 'arrêt cardiaque aux urgences',
  },
  {
    principal: doctor,
    interaction: 'search',
    resourceType: 'Patient',
    query: 'Patient?name=zz',
    patientIds: [],
    outcome: 200,
  },
  // one event per patient: the parent acts for the child in the child's event only
  {
    principal: patient,
    interaction: 'read',
    resourceType: 'Patient',
    ids: ['Patient/p1', 'Patient/c1'],
    patientIds: ['p1', 'c1'],
    outcome: 200,
  },
];

/** What the stored form must be: the event written member by member, split by member. */
function expected(event: AuditEvent) {
  const plain = JSON.parse(JSON.stringify(event)) as Record<string, unknown>;
  const { entity, recorded: at, ...context } = plain;
  return {
    whole: canonicalJson(plain),
    own: canonicalJson({ entity, recorded: at }),
    context: canonicalJson(context),
  };
}

describe('storedForm: an event built on a kept context', () => {
  it('gives the texts the event written member by member gives, for accesses of every shape, again and again', () => {
    for (let round = 0; round < 2; round++) {
      const memo = new Map<object, string>();
      const digests = new Map<string, string>();
      for (const input of ACCESSES) {
        for (const event of buildAuditEvents({ ...input, recorded })) {
          const form = storedForm(event, memo, digests);
          const { digest, ...texts } = form;
          assert.deepEqual(texts, expected(event), input.interaction);
          // a copy is not known to be built on a context: written member by member, the same form
          assert.deepEqual(storedForm(structuredClone(event), new Map(), new Map()), form);
          assert.equal(digests.get(form.context), digest);
        }
      }
    }
  });

  it('keeps one digest per context: the reads of one session share it, another address has its own', () => {
    const read = (id: string, address?: string) =>
      buildAuditEvents({ ...ACCESSES[0], ids: [id], patientIds: [id], address, recorded })[0];
    const digests = new Map<string, string>();
    const a = storedForm(read('o1'), new Map(), digests);
    const b = storedForm(read('o2'), new Map(), digests);
    const c = storedForm(read('o3', '41.248.1.1'), new Map(), digests);
    assert.equal(a.digest, b.digest);
    assert.notEqual(a.own, b.own);
    assert.notEqual(a.digest, c.digest);
    assert.equal(digests.size, 2);
  });
});
