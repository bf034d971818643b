/** A small world for access tests: two doctors, two patients, one care relationship (A ↔ p1). */
import assert from 'node:assert/strict';
import { fhirFetch, type TestServer } from './server.ts';

export async function seedCareWorld(server: TestServer): Promise<void> {
  const obs = (id: string, subject: string) => ({
    resourceType: 'Observation',
    id,
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '2339-0' }] },
    subject: { reference: `Patient/${subject}` },
    effectiveDateTime: '2025-01-10T09:00:00Z',
    valueQuantity: { value: 110, unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' },
  });
  const resources = [
    { resourceType: 'Organization', id: 'org-a', name: 'Centre de santé A' },
    { resourceType: 'Practitioner', id: 'pr-a', name: [{ family: 'Alami', given: ['Nadia'] }] },
    { resourceType: 'Practitioner', id: 'pr-b', name: [{ family: 'Berrada', given: ['Karim'] }] },
    {
      resourceType: 'PractitionerRole',
      id: 'role-a',
      practitioner: { reference: 'Practitioner/pr-a' },
      organization: { reference: 'Organization/org-a' },
    },
    {
      resourceType: 'Patient',
      id: 'p1',
      name: [{ family: 'Tazi', given: ['Amina'] }],
      telecom: [{ system: 'email', value: 'p1@example.test' }],
      address: [{ city: 'Khemisset', country: 'MA' }],
    },
    {
      resourceType: 'Patient',
      id: 'p2',
      name: [{ family: 'Idrissi', given: ['Omar'] }],
      telecom: [{ system: 'email', value: 'p2@example.test' }],
      address: [{ city: 'Khouribga', country: 'MA' }],
    },
    {
      resourceType: 'Patient',
      id: 'p3',
      identifier: [{ system: 'https://sahti.ma/fhir/NamingSystem/cnie', value: 'ZZ999999' }],
      name: [{ family: 'Ouali', given: ['Said'] }],
      address: [{ line: ['Derb Khalifa'], city: 'Fès' }],
    },
    {
      resourceType: 'Encounter',
      id: 'e1',
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
      subject: { reference: 'Patient/p1' },
      participant: [{ individual: { reference: 'Practitioner/pr-a' } }],
    },
    obs('o1', 'p1'),
    obs('o2', 'p2'),
    {
      resourceType: 'Condition',
      id: 'c2',
      subject: { reference: 'Patient/p2' },
      code: { text: 'HIV infection' },
    },
    {
      resourceType: 'Provenance',
      id: 'prov2',
      target: [{ reference: 'Observation/o2' }],
      recorded: '2025-01-10T09:05:00Z',
      agent: [{ who: { reference: 'Practitioner/pr-b' } }],
    },
  ];
  const bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: resources.map((r) => ({
      resource: r,
      request: { method: 'PUT', url: `${r.resourceType}/${r.id}` },
    })),
  };
  const res = await fhirFetch(server.fhirBase, '', { method: 'POST', body: bundle });
  assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 400));
}
