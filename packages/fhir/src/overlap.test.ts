import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evalFhirPathTyped, toTypedValue } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { allResourceTypes, loadDefinitions, searchParametersOf } from './definitions.ts';
import { addValues, buildIndexRows, emptyIndexRows } from './index-rows.ts';
import {
  indexedCodes,
  narrowedParameters,
  referenceAlias,
  referenceAliases,
  rowCode,
  tokenAlias,
  tokenAliases,
  unionMembers,
} from './overlap.ts';
import { SqlParams } from './search/sql-params.ts';

describe('parameters that include another', () => {
  it('splits a union at its top level only', () => {
    assert.deepEqual(unionMembers("(Observation.value as Quantity) | Observation.where(a = 'x|y').b"), [
      '(Observation.value as Quantity)',
      "Observation.where(a = 'x|y').b",
    ]);
    assert.deepEqual(unionMembers('Patient.name'), ['Patient.name']);
  });

  it('finds the six combo parameters of Observation, each wholly made of two others', () => {
    const found = Object.fromEntries(
      [...narrowedParameters('Observation')].map(([code, n]) => [code, [n.within.sort(), n.rest.expression]]),
    );
    assert.deepEqual(found, {
      'combo-code': [['code', 'component-code'], ''],
      'combo-data-absent-reason': [['component-data-absent-reason', 'data-absent-reason'], ''],
      'combo-value-concept': [['component-value-concept', 'value-concept'], ''],
      'combo-value-quantity': [['component-value-quantity', 'value-quantity'], ''],
      'combo-code-value-concept': [['code-value-concept', 'component-code-value-concept'], ''],
      'combo-code-value-quantity': [['code-value-quantity', 'component-code-value-quantity'], ''],
    });
    assert.deepEqual(indexedCodes('Observation', 'code'), ['code']);
    assert.deepEqual(indexedCodes('Observation', 'combo-code').sort(), [
      'code',
      'combo-code',
      'component-code',
    ]);
  });

  it('leaves identifiers, phonetic keys and references alone, in every type', () => {
    for (const type of allResourceTypes()) {
      for (const [code, n] of narrowedParameters(type)) {
        assert.ok(!['identifier', 'phonetic'].includes(code), `${type}.${code}`);
        for (const w of n.within)
          assert.ok(!['identifier', 'phonetic'].includes(w), `${type}.${code} ⊇ ${w}`);
        assert.notEqual(n.rest.type, 'reference', `${type}.${code}`);
        // @medplum/core caches a parsed expression by type and code: the rest must not share it
        assert.notEqual(n.rest.code, code, `${type}.${code}`);
      }
    }
    assert.deepEqual([...narrowedParameters('Organization').keys()], ['address']);
  });

  it("sees an address's parts in the parameters that search them alone; not a name's", () => {
    const patient = narrowedParameters('Patient');
    assert.deepEqual(patient.get('address')?.within.sort(), [
      'address-city',
      'address-country',
      'address-postalcode',
      'address-state',
    ]);
    assert.equal(
      patient.get('address')?.rest.expression,
      'Patient.address.text | Patient.address.line | Patient.address.district',
    );
    // `name` keeps all its rows: its prefix search stays one index scan (overlap.ts SPLIT_TYPES)
    assert.equal(patient.get('name'), undefined);
    // a string element is not split: Organization `name` is `Organization.name | Organization.alias`
    assert.equal(narrowedParameters('Organization').get('name'), undefined);
    // the parts split are those index-rows.ts finds an address by: the rows are the same
    const rows = buildIndexRows({
      resourceType: 'Patient',
      address: [
        {
          text: 'Derb Lqods',
          line: ['12 derb'],
          city: 'Fès',
          district: 'Médina',
          state: 'Fès-Meknès',
          postalCode: '30000',
          country: 'MA',
        },
      ],
    } as Resource).string.map((r) => `${r.code}:${r.value}`);
    assert.deepEqual(rows.sort(), [
      'address-city:fes',
      'address-country:ma',
      'address-postalcode:30000',
      'address-state:fes-meknes',
      'address:12 derb',
      'address:derb lqods',
      'address:medina',
    ]);
  });
});

describe('reference parameters narrowed to one target type', () => {
  loadDefinitions();

  it('finds the 47 of R4, 36 of them `patient` as `subject` narrowed to Patient', () => {
    const all = allResourceTypes().flatMap((type) =>
      [...referenceAliases(type)].map(([code, a]) => `${type}.${code}=${a.base}:${a.targetType}`),
    );
    assert.equal(all.length, 47);
    assert.equal(all.filter((a) => a.endsWith('.patient=subject:Patient')).length, 36);
    assert.deepEqual(referenceAlias('Observation', 'patient'), { base: 'subject', targetType: 'Patient' });
    assert.deepEqual(referenceAlias('Task', 'patient'), { base: 'subject', targetType: 'Patient' });
    assert.deepEqual(referenceAlias('Appointment', 'practitioner'), {
      base: 'actor',
      targetType: 'Practitioner',
    });
    assert.equal(referenceAlias('Observation', 'subject'), undefined);
    // its own expression is a union over its types: not one base's
    assert.equal(referenceAlias('Immunization', 'patient'), undefined);
    for (const type of allResourceTypes())
      for (const [code, a] of referenceAliases(type)) {
        assert.equal(searchParametersOf(type).get(a.base)?.type, 'reference', `${type}.${code}`);
        assert.equal(referenceAlias(type, a.base), undefined, `${type}.${code}: its base keeps rows`);
      }
  });

  it("reads the base's rows typed as the alias", () => {
    const p = new SqlParams();
    assert.equal(
      rowCode('s', 'Observation', 'patient', p),
      '(s.code = $1::text AND s.target_type = $2::text)',
    );
    assert.deepEqual(p.values, ['subject', 'Patient']);
  });

  /** The references each form of an element holds, by the alias's own expression and by the base's rows. */
  const shapes: [string, object][] = [
    ['relative', { reference: 'Patient/p1' }],
    ['versioned', { reference: 'Patient/p1/_history/2' }],
    ['typed otherwise', { reference: 'Patient/p1', type: 'Group' }],
    ['another type', { reference: 'Group/g1' }],
    ['another type, typed Patient', { reference: 'Group/g1', type: 'Patient' }],
    ['identifier typed', { identifier: { system: 's', value: 'v' }, type: 'Patient' }],
    ['identifier untyped', { identifier: { system: 's', value: 'v' } }],
    ['identifier typed otherwise', { identifier: { system: 's', value: 'v' }, type: 'Group' }],
    ['urn', { reference: 'urn:uuid:0b6f4c8e-8f8a-4b7e-9a53-2d2f6f0b6b5e', type: 'Patient' }],
    ['contained', { reference: '#p1', type: 'Patient' }],
    ['display only', { display: 'x', type: 'Patient' }],
  ];
  const elements: [string, string, (ref: object) => Resource][] = [
    [
      'Observation',
      'patient',
      (subject) => ({ resourceType: 'Observation', status: 'final', code: {}, subject }) as Resource,
    ],
    [
      'Task',
      'patient',
      (ref) => ({ resourceType: 'Task', status: 'draft', intent: 'order', for: ref }) as Resource,
    ],
    [
      'Appointment',
      'patient',
      (actor) =>
        ({
          resourceType: 'Appointment',
          status: 'booked',
          participant: [{ actor, status: 'accepted' }],
        }) as Resource,
    ],
    ['Person', 'patient', (target) => ({ resourceType: 'Person', link: [{ target }] }) as Resource],
  ];

  it('the same references as the expression, for every form of reference', () => {
    for (const [type, code, build] of elements) {
      const alias = referenceAlias(type, code);
      if (!alias) throw new Error(`${type}.${code} is no alias`);
      const expression = searchParametersOf(type).get(code)?.expression as string;
      for (const [name, ref] of shapes) {
        const resource = { ...build(ref), contained: [{ resourceType: 'Patient', id: 'p1' }] } as Resource;
        const byExpression = evalFhirPathTyped(expression, [toTypedValue(resource)]).length;
        const byRows: number = buildIndexRows(resource).reference.filter(
          (r) => r.code === alias.base && r.target_type === alias.targetType,
        ).length;
        assert.equal(byRows, byExpression, `${type}.${code}, ${name}`);
        assert.equal(buildIndexRows(resource).reference.filter((r) => r.code === code).length, 0);
      }
    }
  });

  it('differs only where the base reads a reference otherwise', () => {
    const observation = (subject: object) =>
      buildIndexRows({ resourceType: 'Observation', status: 'final', code: {}, subject } as Resource)
        .reference;
    const expression = 'Observation.subject.where(resolve() is Patient)';
    const byExpression = (subject: object) =>
      evalFhirPathTyped(expression, [toTypedValue({ resourceType: 'Observation', subject })]).length;
    // another server's URL names Patient/123 for `subject` (conditions.ts): for `patient` too now
    const absolute = { reference: 'https://other.example/fhir/Patient/123' };
    assert.equal(byExpression(absolute), 0);
    assert.deepEqual(
      observation(absolute).map((r) => [r.code, r.target_type, r.target_id]),
      [['subject', 'Patient', '123']],
    );
    // a conditional reference left in a stored resource is a URL to the base: no longer a patient
    const conditional = { reference: 'Patient?identifier=s|v' };
    assert.equal(byExpression(conditional), 1);
    assert.deepEqual(
      observation(conditional).map((r) => [r.code, r.target_type]),
      [['subject', null]],
    );
  });
});

describe('contact points narrowed to one system', () => {
  loadDefinitions();

  it('finds `phone` and `email` of the six types that have them, and nothing else', () => {
    const all = allResourceTypes().flatMap((type) =>
      [...tokenAliases(type)].map(([code, a]) => `${type}.${code}=${a.base}:${a.system}`),
    );
    const types = [
      'OrganizationAffiliation',
      'Patient',
      'Person',
      'Practitioner',
      'PractitionerRole',
      'RelatedPerson',
    ];
    assert.deepEqual(
      all.sort(),
      types.flatMap((t) => [`${t}.email=telecom:email`, `${t}.phone=telecom:phone`]),
    );
    assert.equal(tokenAlias('Patient', 'telecom'), undefined);
    const p = new SqlParams();
    assert.equal(rowCode('s', 'Patient', 'phone', p), '(s.code = $1::text AND s.system = $2::text)');
    assert.deepEqual(p.values, ['telecom', 'phone']);
  });

  it("the base's rows of the system are the alias's own expression's, for every kind of contact point", () => {
    const telecom = [
      { system: 'phone', value: '+212 6 12 34 56 78', use: 'mobile' },
      { system: 'phone', value: '0537-00-00-00' },
      { system: 'email', value: 'Amina.Qorchi@Example.MA' },
      { system: 'fax', value: '0537 11 11 11' },
      { value: 'no system' },
      { system: 'email' },
      { system: 'sms', value: '0612' },
    ];
    for (const type of [
      'Patient',
      'Practitioner',
      'PractitionerRole',
      'RelatedPerson',
      'Person',
      'OrganizationAffiliation',
    ]) {
      const extra = type === 'RelatedPerson' ? { patient: { reference: 'Patient/p1' } } : {};
      const resource = { resourceType: type, telecom, ...extra } as Resource;
      const rows = buildIndexRows(resource).token;
      for (const [code, alias] of tokenAliases(type)) {
        const official = searchParametersOf(type).get(code);
        const own = emptyIndexRows();
        addValues(
          own,
          code,
          'token',
          evalFhirPathTyped(official?.expression as string, [toTypedValue(resource)]),
        );
        const byBase = rows.filter((r) => r.code === alias.base && r.system === alias.system);
        assert.ok(own.token.length > 0, `${type}.${code}`);
        assert.deepEqual(
          byBase.map((r) => ({ ...r, code })),
          own.token,
          `${type}.${code}`,
        );
        assert.equal(rows.filter((r) => r.code === code).length, 0, `${type}.${code} keeps no rows`);
      }
    }
  });
});
