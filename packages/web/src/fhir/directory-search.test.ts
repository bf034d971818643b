import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { carerChoices, planCarerSearch } from './directory-search.ts';

const bundle = (...resources: [Resource, 'match' | 'include'][]): Bundle => ({
  resourceType: 'Bundle',
  type: 'searchset',
  entry: resources.map(([resource, mode]) => ({ resource, search: { mode } })),
});

describe('finding a carer to allow or block', () => {
  it('looks for a word anywhere in the name and for any spelling, the latter optional', () => {
    const plan = planCarerSearch('Organization', '  Ibn   Rochd ');
    assert.ok(Array.isArray(plan));
    assert.equal(plan[0].params['name:contains'], 'Ibn Rochd');
    assert.equal(plan[0].optional, false);
    assert.equal(plan[1].params.phonetic, 'Ibn Rochd');
    assert.ok(plan[1].optional && plan[1].headers.prefer === 'handling=strict');
    assert.equal(planCarerSearch('Practitioner', 'F'), 'missing');
  });

  it('asks for practitioners with their roles and the roles’ facilities', () => {
    const plan = planCarerSearch('Practitioner', 'Filali');
    assert.ok(Array.isArray(plan));
    assert.equal(plan[0].params._revinclude, 'PractitionerRole:practitioner');
    assert.equal(plan[0].params['_include:iterate'], 'PractitionerRole:organization');
  });

  it('tells namesake hospitals apart by their city, each once across both searches', () => {
    const hassan = (id: string, city: string): [Resource, 'match'] => [
      { resourceType: 'Organization', id, name: 'Hôpital Hassan II', address: [{ city }] },
      'match',
    ];
    const choices = carerChoices(
      'Organization',
      [bundle(hassan('1', 'Agadir'), hassan('2', 'Khouribga')), bundle(hassan('2', 'Khouribga'))],
      'fr',
    );
    assert.deepEqual(
      choices.map((c) => [c.reference, c.name, c.places]),
      [
        ['Organization/1', 'Hôpital Hassan II', ['Agadir']],
        ['Organization/2', 'Hôpital Hassan II', ['Khouribga']],
      ],
    );
  });

  it('shows a practitioner’s specialty (from its code, in the reader’s language), facility and city', () => {
    const bundles = [
      bundle(
        [
          {
            resourceType: 'Practitioner',
            id: '4',
            name: [
              { family: 'Filali', given: ['Khalid'], prefix: ['Dr'] },
              {
                family: 'الفيلالي',
                given: ['خالد'],
                extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/language', valueCode: 'ar' }],
              },
            ],
          },
          'match',
        ],
        [
          {
            resourceType: 'PractitionerRole',
            practitioner: { reference: 'Practitioner/4' },
            organization: { reference: 'Organization/9' },
            // as the directory demo writes it: a SNOMED CT code, the French as text
            specialty: [
              {
                coding: [{ system: 'http://snomed.info/sct', code: '394579002', display: 'Cardiology' }],
                text: 'Cardiologie',
              },
            ],
          },
          'include',
        ],
        [
          {
            resourceType: 'Organization',
            id: '9',
            name: 'CHU Ibn Rochd',
            address: [{ city: 'Casablanca' }],
          },
          'include',
        ],
      ),
    ];
    const [fr] = carerChoices('Practitioner', bundles, 'fr');
    assert.equal(fr.reference, 'Practitioner/4');
    assert.match(fr.name, /Filali/);
    assert.deepEqual(fr.specialties, ['Cardiologie']);
    assert.deepEqual(fr.places, ['CHU Ibn Rochd', 'Casablanca']);
    const [ar] = carerChoices('Practitioner', bundles, 'ar');
    assert.equal(ar.name, 'خالد الفيلالي');
    assert.deepEqual(ar.specialties, ['أمراض القلب']);
    assert.deepEqual(carerChoices('Practitioner', bundles, 'en')[0].specialties, ['Cardiology']);
  });
});
