/**
 * SMART scopes are enforced: scope × resource type × interaction, allowed and refused, for system
 * clients, patient apps and clinician apps — directly, as a batch entry and as a transaction entry.
 * The expected answer comes from an oracle written from the SMART rules, not from the server's code.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { seedCareWorld } from './support/care-world.ts';
import { type Person, signIn } from './support/people.ts';
import { fhirFetch, startTestServer, type TestServer } from './support/server.ts';
import { appToken, systemToken, withToken } from './support/smart-tokens.ts';

let server: TestServer;
let patient1: Person;
let drA: Person;

before(async () => {
  server = await startTestServer();
  await seedCareWorld(server);
  patient1 = await signIn(server, ['patient'], 'Patient/p1');
  drA = await signIn(server, ['doctor'], 'Practitioner/pr-a');
});
after(() => server?.close());

type Permission = 'create' | 'read' | 'update' | 'delete' | 'search';
type Context = 'system' | 'patient' | 'user';

/** The SMART rules (v1 read/write/*, v2 c r u d s; a scope with a query grants nothing here). */
function oracle(scopes: string, contexts: Context[], type: string, permission: Permission): boolean {
  const letter = { create: 'c', read: 'r', update: 'u', delete: 'd', search: 's' }[permission];
  return scopes.split(' ').some((scope) => {
    const m = /^(patient|user|system)\/(\*|[A-Z][A-Za-z]*)\.([a-z*]+)$/.exec(scope);
    if (!m || !contexts.includes(m[1] as Context) || (m[2] !== '*' && m[2] !== type)) return false;
    const p = m[3];
    if (p === '*') return true;
    if (p === 'read') return letter === 'r' || letter === 's';
    if (p === 'write') return letter === 'c' || letter === 'u' || letter === 'd';
    return /^c?r?u?d?s?$/.test(p) && p.includes(letter);
  });
}

const weight = () => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '29463-7' }] },
  subject: { reference: 'Patient/p1' },
  valueQuantity: { value: 71, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
});
const consent = () => ({
  resourceType: 'Consent',
  status: 'active',
  scope: {
    coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }],
  },
  category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
  patient: { reference: 'Patient/p1' },
  policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
  provision: { type: 'permit' },
});

interface Case {
  name: string;
  type: string;
  permission: Permission;
  method: string;
  path: () => Promise<string>;
  body?: () => Promise<unknown>;
}

async function scratchObservation(): Promise<string> {
  const res = await fhirFetch(server.fhirBase, '/Observation', { method: 'POST', body: weight() });
  return res.body.id;
}

const CASES: Case[] = [
  {
    name: 'read Patient',
    type: 'Patient',
    permission: 'read',
    method: 'GET',
    path: async () => '/Patient/p1',
  },
  {
    name: 'search Patient',
    type: 'Patient',
    permission: 'search',
    method: 'GET',
    path: async () => '/Patient?_id=p1',
  },
  {
    name: 'read Observation',
    type: 'Observation',
    permission: 'read',
    method: 'GET',
    path: async () => '/Observation/o1',
  },
  {
    name: 'search Observation',
    type: 'Observation',
    permission: 'search',
    method: 'GET',
    path: async () => '/Observation?subject=Patient/p1',
  },
  {
    name: 'history of an Observation',
    type: 'Observation',
    permission: 'read',
    method: 'GET',
    path: async () => '/Observation/o1/_history',
  },
  {
    name: 'vread Observation',
    type: 'Observation',
    permission: 'read',
    method: 'GET',
    path: async () => '/Observation/o1/_history/1',
  },
  {
    name: 'create Observation',
    type: 'Observation',
    permission: 'create',
    method: 'POST',
    path: async () => '/Observation',
    body: async () => weight(),
  },
  {
    name: 'update Observation',
    type: 'Observation',
    permission: 'update',
    method: 'PUT',
    path: async () => `/Observation/${await scratchObservation()}`,
  },
  {
    name: 'patch Patient',
    type: 'Patient',
    permission: 'update',
    method: 'PATCH',
    path: async () => '/Patient/p1',
    body: async () => [{ op: 'add', path: '/active', value: true }],
  },
  {
    name: 'delete Observation',
    type: 'Observation',
    permission: 'delete',
    method: 'DELETE',
    path: async () => `/Observation/${await scratchObservation()}`,
  },
  {
    name: 'create Consent',
    type: 'Consent',
    permission: 'create',
    method: 'POST',
    path: async () => '/Consent',
    body: async () => consent(),
  },
  {
    name: '$everything',
    type: 'Patient',
    permission: 'read',
    method: 'GET',
    path: async () => '/Patient/p1/$everything',
  },
];

interface Holder {
  label: string;
  scope: string;
  contexts: Context[];
  token: () => Promise<string>;
  /** What the role forbids whatever the scopes (a clinician never writes a Consent). */
  roleForbids?: (c: Case) => boolean;
}

const HOLDERS: Holder[] = [
  ...[
    'system/Observation.read',
    'system/Patient.rs system/Observation.c',
    'system/*.r',
    'system/Observation.cud',
    'system/Patient.rs?gender=female system/Observation.s',
  ].map(
    (scope): Holder => ({
      label: `system client ${scope}`,
      scope,
      contexts: ['system'],
      token: () => systemToken(server, scope),
    }),
  ),
  ...[
    'patient/Observation.r',
    'patient/*.rs',
    'patient/Observation.rs patient/Consent.c',
    'patient/Observation.read patient/Patient.write',
  ].map(
    (scope): Holder => ({
      label: `patient app ${scope}`,
      scope,
      contexts: ['patient', 'user'],
      token: () => appToken(server, patient1, scope),
    }),
  ),
  ...['user/Observation.rs', 'user/Patient.r user/Observation.c', 'user/*.cruds'].map(
    (scope): Holder => ({
      label: `clinician app ${scope}`,
      scope,
      contexts: ['user'],
      token: () => appToken(server, drA, scope),
      roleForbids: (c) => c.type === 'Consent',
    }),
  ),
];

async function bodyFor(c: Case, path: string): Promise<unknown> {
  if (c.body) return c.body();
  if (c.method === 'PUT') return { ...weight(), id: path.split('/')[2] };
  return undefined;
}

describe('SMART scope matrix', () => {
  for (const holder of HOLDERS) {
    it(`${holder.label}: allowed where a scope permits, 403 elsewhere (direct, batch, transaction)`, async () => {
      const token = await holder.token();
      for (const c of CASES) {
        const allowed =
          oracle(holder.scope, holder.contexts, c.type, c.permission) && !holder.roleForbids?.(c);
        // direct
        const path = await c.path();
        const direct = await withToken(server, token, path, {
          method: c.method,
          body: await bodyFor(c, path),
        });
        const label = `${holder.label} · ${c.name}`;
        assert.ok(direct.status < 500, `${label}: ${direct.status}`);
        if (allowed)
          assert.notEqual(
            direct.status,
            403,
            `${label} should pass: ${JSON.stringify(direct.body).slice(0, 200)}`,
          );
        else assert.equal(direct.status, 403, `${label} should be refused, got ${direct.status}`);
        // as bundle entries (PATCH entries need a Binary: skipped there)
        if (c.method === 'PATCH') continue;
        for (const type of ['batch', 'transaction']) {
          const entryPath = await c.path();
          const body = await bodyFor(c, entryPath);
          const bundle = {
            resourceType: 'Bundle',
            type,
            entry: [
              { request: { method: c.method, url: entryPath.slice(1) }, ...(body ? { resource: body } : {}) },
            ],
          };
          const res = await withToken(server, token, '/', { method: 'POST', body: bundle });
          const status =
            type === 'batch'
              ? Number(String(res.body?.entry?.[0]?.response?.status ?? res.status).slice(0, 3))
              : res.status;
          assert.ok(status < 500, `${label} in a ${type}: ${status}`);
          if (allowed)
            assert.notEqual(
              status,
              403,
              `${label} in a ${type} should pass: ${JSON.stringify(res.body).slice(0, 200)}`,
            );
          else assert.equal(status, 403, `${label} in a ${type} should be refused, got ${status}`);
        }
      }
    });
  }

  it('includes of a type the token may not read are left out, not leaked', async () => {
    const token = await systemToken(server, 'system/Observation.rs');
    const res = await withToken(server, token, '/Observation?_id=o1&_include=Observation:subject');
    assert.equal(res.status, 200);
    assert.deepEqual(
      res.body.entry.map((e: any) => e.resource.resourceType),
      ['Observation'],
    );
  });
});
