import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Bundle } from '@medplum/fhirtypes';
import { prescriptionSites } from './prescribers.ts';

const request = (fullUrl: string, encounter?: string) => ({
  fullUrl,
  resource: {
    resourceType: 'MedicationRequest',
    status: 'draft',
    intent: 'order',
    subject: { reference: 'urn:uuid:p' },
    ...(encounter ? { encounter: { reference: encounter } } : {}),
  },
});

describe('the site of a field prescription', () => {
  it('is the unit of its consultation in the bundle, the stored encounter to read, or unknown', () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'urn:uuid:e',
          resource: {
            resourceType: 'Encounter',
            status: 'finished',
            class: { code: 'AMB' },
            serviceProvider: { reference: 'Organization/unit-a' },
          },
        },
        request('urn:uuid:m1', 'urn:uuid:e'),
        request('urn:uuid:m2', 'Encounter/stored'),
        request('urn:uuid:m3'),
        {
          fullUrl: 'urn:uuid:o',
          resource: { resourceType: 'Observation', encounter: { reference: 'urn:uuid:e' } },
        },
      ],
    } as unknown as Bundle;
    assert.deepEqual(prescriptionSites(bundle), [
      { key: 'urn:uuid:m1', unit: 'Organization/unit-a' },
      { key: 'urn:uuid:m2', encounter: 'Encounter/stored' },
      { key: 'urn:uuid:m3' },
    ]);
  });
});
