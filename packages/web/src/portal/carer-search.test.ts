import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { carerChoices, planCarerSearch } from './carer-search.ts';

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
      choices.map((c) => [c.reference, c.name, c.details]),
      [
        ['Organization/1', 'Hôpital Hassan II', ['Agadir']],
        ['Organization/2', 'Hôpital Hassan II', ['Khouribga']],
      ],
    );
  });

  it('shows a practitioner’s specialty, facility and city, in the reader’s script', () => {
    const choices = carerChoices(
      'Practitioner',
      [
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
              specialty: [{ text: 'Cardiologie' }],
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
      ],
      'fr',
    );
    assert.equal(choices.length, 1);
    assert.equal(choices[0].reference, 'Practitioner/4');
    assert.match(choices[0].name, /Filali/);
    assert.deepEqual(choices[0].details, ['Cardiologie', 'CHU Ibn Rochd', 'Casablanca']);
  });
});
