import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Location, Organization } from '@medplum/fhirtypes';
import { EMPTY_FACILITY, facilityProblems, facilityTransaction, facilityValues } from './facility.ts';

const values = {
  ...EMPTY_FACILITY,
  name: 'Centre de santé Tafraout',
  kind: 'health_centre' as const,
  inpe: '123456789',
  city: 'Tafraout',
  latitude: '29,7208',
  longitude: '-8.9744',
};

describe('facilityProblems', () => {
  it('needs a name, a 9-digit INPE if any, and both coordinates or neither', () => {
    assert.deepEqual(facilityProblems(values), []);
    assert.deepEqual(
      facilityProblems({ ...values, name: ' ', inpe: '12', longitude: '' }).map((p) => `${p.field}:${p.key}`),
      ['name:nameRequired', 'inpe:inpeOptional', 'longitude:positionBoth'],
    );
    assert.deepEqual(
      facilityProblems({ ...values, latitude: '95' }).map((p) => p.key),
      ['latitude'],
    );
  });
});

describe('facilityTransaction', () => {
  it('creates the Organization and its positioned Location together, linked by urn:uuid', () => {
    const bundle = facilityTransaction(values);
    const [org, loc] = bundle.entry!;
    assert.equal(bundle.type, 'transaction');
    assert.equal(org.request?.method, 'POST');
    const location = loc.resource as Location;
    assert.equal(location.managingOrganization?.reference, org.fullUrl);
    assert.deepEqual(location.position, { latitude: 29.7208, longitude: -8.9744 });
    assert.equal((org.resource as Organization).identifier?.[0].value, '123456789');
  });
  it('updates existing resources in place, keeping what the form does not show', () => {
    const organization: Organization = {
      resourceType: 'Organization',
      id: 'o1',
      name: 'Old',
      alias: ['keep me'],
      identifier: [{ system: 'https://www.openstreetmap.org', value: 'way/1' }],
    };
    const location: Location = { resourceType: 'Location', id: 'l1', name: 'Old', description: 'keep' };
    const bundle = facilityTransaction(values, { organization, location });
    const [org, loc] = bundle.entry!;
    assert.equal(org.request?.url, 'Organization/o1');
    assert.equal(loc.request?.url, 'Location/l1');
    assert.deepEqual((org.resource as Organization).alias, ['keep me']);
    assert.equal((org.resource as Organization).identifier?.length, 2);
    assert.equal((loc.resource as Location).managingOrganization?.reference, 'Organization/o1');
  });
  it('reads back what it wrote', () => {
    const [org, loc] = facilityTransaction(values).entry!.map((e) => e.resource);
    const back = facilityValues(org as Organization, loc as Location);
    assert.equal(back.kind, 'health_centre');
    assert.equal(back.latitude, '29.7208');
    assert.equal(back.city, 'Tafraout');
  });
});
